//! `?lang=` over real HTTP against a running node: an insight explained in
//! French and an alert explained in Russian come from the one catalogue of
//! `mailflow-ndr`, as do fix previews and trace events; an unknown tag is
//! refused naming the field `lang`.

use crate::common::{Api, settings};
use mailflow_alerts::Language;
use mailflow_core::{
    AcceptedDomain, Clock, ConnectorKind, DomainType, OrgSettings, RecipientState,
};
use mailflow_store::{AlertObservation, AlertRule, AlertValues};
use mailflow_testkit::ports::refused_addr;
use mailflow_testkit::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, connector, eventually};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;

const TOKEN: &str = "languages-token-1234";

async fn start(onprem: SocketAddr) -> Api {
    let org = OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "contoso.test".into(),
            kind: DomainType::InternalRelay,
        }],
        connectors: vec![connector(
            "to-onprem",
            ConnectorKind::OnPremises,
            &["contoso.test"],
            &[onprem],
        )],
        directory: Default::default(),
    };
    Api::start(TestNode::start(org, settings()).await, TOKEN, true).await
}

/// Bob's message to alice@contoso.test, once its recipient is deferred;
/// its queue id.
async fn one_deferred_message(api: &Api) -> String {
    let (code, reply) = send(
        api.node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        "Subject: hi\r\n\r\nhello\r\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let id = queue_id(&reply);
    eventually("the recipient is deferred", || async {
        api.node.message(&id).await.recipients[0].state == RecipientState::Deferred
    })
    .await;
    id
}

fn texts(explanation: &Value, key: &str) -> Vec<String> {
    explanation[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_insight_is_explained_in_french_when_lang_is_fr() {
    let onprem =
        SmtpServer::start(SmtpBehavior::new().greeting("421 4.3.2 service not available")).await;
    let api = start(onprem.addr()).await;
    one_deferred_message(&api).await;

    let (status, english) = api.get("/api/v1/insights/to-onprem").await;
    assert_eq!(status, 200, "{english}");
    let (status, french) = api.get("/api/v1/insights/to-onprem?lang=fr").await;
    assert_eq!(status, 200, "{french}");
    assert_eq!(french["by_code"][0]["code"], "4.4.317", "{french}");
    let (english, french) = (&english["explanation"], &french["explanation"]);
    assert_ne!(french["summary"], english["summary"]);
    assert_eq!(
        texts(french, "causes")[0],
        "Le serveur est surchargé, en maintenance, ou refuse l'adresse de ce relais.",
        "{french}"
    );
    assert!(
        texts(french, "actions")
            .iter()
            .all(|action| !texts(english, "actions").contains(action)),
        "{french}"
    );
    api.stop().await;
}

#[tokio::test]
async fn alerts_are_explained_in_russian_when_lang_is_ru() {
    let onprem = SmtpServer::start(SmtpBehavior::new()).await;
    let api = start(onprem.addr()).await;
    let at = api.node.clock.now();
    let observed = api
        .node
        .store
        .observe_alert(AlertObservation {
            org: ORG.into(),
            connector: Some("to-onprem".into()),
            code: "4.4.316".into(),
            rule: AlertRule::QueuedCount,
            values: AlertValues {
                queued: 250,
                queued_over_age: 210,
                oldest_received_at: Some(at - Duration::from_secs(7200)),
                ..AlertValues::default()
            },
            at,
        })
        .await
        .unwrap();

    let (status, list) = api.get("/api/v1/alerts?lang=ru").await;
    assert_eq!(status, 200, "{list}");
    let explanation = &list[0]["explanation"];
    let expected = mailflow_alerts::explain(&observed.alert, Language::Russian);
    assert_eq!(explanation["summary"], expected.summary.as_str());
    assert_eq!(texts(explanation, "causes"), expected.causes);
    assert_eq!(texts(explanation, "actions"), expected.actions);
    let summary = expected.summary;
    assert!(summary.contains("накапливается"), "{summary}");
    assert!(
        summary.contains("to-onprem") && summary.contains("250"),
        "{summary}"
    );
    assert!(!expected.causes.is_empty() && !expected.actions.is_empty());

    let (_, english) = api.get("/api/v1/alerts").await;
    assert_ne!(english[0]["explanation"]["summary"], explanation["summary"]);
    let (status, error) = api.get("/api/v1/alerts?state=all&lang=xx").await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (400, Some("lang"))
    );
    api.stop().await;
}

#[tokio::test]
async fn fix_previews_and_trace_events_are_written_in_the_language_lang_asks_for() {
    let api = start(refused_addr()).await;
    let id = one_deferred_message(&api).await;

    let stop_relaying = |fixes: &Value| {
        let fixes = fixes.as_array().expect("a list of fixes");
        let fix = fixes
            .iter()
            .find(|fix| fix["id"] == "stop-relaying:to-onprem");
        fix.expect("stop relaying is offered")["preview"].clone()
    };
    let (status, english) = api.get("/api/v1/fixes").await;
    assert_eq!(status, 200, "{english}");
    let (status, french) = api.get("/api/v1/fixes?lang=fr").await;
    assert_eq!(status, 200, "{french}");
    let (english, french) = (stop_relaying(&english), stop_relaying(&french));
    let summary = french["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Les domaines contoso.test font désormais autorité")
            && summary.contains("1\u{a0}destinataire"),
        "{summary}"
    );
    for words in ["summary", "risk", "undo"] {
        assert_ne!(french[words], english[words], "{words} is French");
    }
    assert_eq!(
        french["recipients_to_bounce"],
        english["recipients_to_bounce"]
    );
    let (status, error) = api.get("/api/v1/fixes?lang=xx").await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (400, Some("lang"))
    );

    let (status, traces) = api
        .get(&format!("/api/v1/trace?message_id={id}&lang=zh-TW"))
        .await;
    assert_eq!(status, 200, "{traces}");
    let events = traces[0]["events"].as_array().unwrap();
    let summary = |kind: &str| {
        let event = events.iter().find(|event| event["type"] == kind);
        event.expect(kind)["summary"].as_str().unwrap().to_string()
    };
    let received = summary("received");
    assert!(
        received.starts_with("收到來自 127.0.0.1") && received.contains("bob@example.test"),
        "{received}"
    );
    let deferred = summary("deferred");
    assert!(
        deferred.starts_with("已延後：") && deferred.contains("4.4.316"),
        "the server's words stay as they were: {deferred}"
    );
    api.stop().await;
}
