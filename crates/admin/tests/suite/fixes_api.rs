//! Fix actions, the audit log and connector queue actions over real HTTP,
//! against a running node whose on-premises connector is refused.

use crate::common::{Api, settings};
use mailflow_core::{
    AcceptedDomain, Connector, ConnectorKind, Directory, DomainType, DsnEnvelope, DsnRecipient,
    MessageId, OrgSettings, RecipientState, Route,
};
use mailflow_store::{NewMessage, NewRecipient};
use mailflow_testkit::ports::refused_addr;
use mailflow_testnode::{ORG, TestNode, connector, eventually};
use serde_json::Value;
use std::time::Duration;

const TOKEN: &str = "fix-token-1234";

/// The API in front of a running node; the API knows of the node only when
/// `with_node`.
async fn start(with_node: bool) -> Api {
    let node = TestNode::start(org(), settings()).await;
    Api::start(node, TOKEN, with_node).await
}

/// contoso.test is internal relay through `to-onprem`, where nothing listens.
fn org() -> OrgSettings {
    let mut directory = Directory::default();
    directory.insert("alice@contoso.test");
    let onprem = connector(
        "to-onprem",
        ConnectorKind::OnPremises,
        &["contoso.test"],
        &[refused_addr()],
    );
    OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "contoso.test".into(),
            kind: DomainType::InternalRelay,
        }],
        connectors: vec![Connector {
            max_connections: 2,
            ..onprem
        }],
        directory,
    }
}

/// Queues mail to alice (known) and zed (unknown), from the null sender so
/// that bouncing zed needs no route for a report; waits until both are
/// deferred after a refused connection.
async fn queue_and_defer(api: &Api) -> MessageId {
    let id = MessageId::new();
    let now = api.node.now();
    let route = Route {
        connector: Some("to-onprem".into()),
        domain: "contoso.test".into(),
    };
    let recipient = |address: &str| NewRecipient {
        reason: None,
        address: address.into(),
        dsn: DsnRecipient::default(),
        next_hop: route.next_hop(ORG, true),
        route: route.clone(),
    };
    let message = NewMessage {
        message_id_header: None,
        id,
        org: ORG.into(),
        sender: String::new(),
        client: "127.0.0.1".into(),
        received_at: now,
        expires_at: now + Duration::from_secs(24 * 3600),
        dsn: DsnEnvelope::default(),
        body: b"Subject: hi\r\n\r\nhello\r\n".to_vec().into(),
        recipients: vec![
            recipient("alice@contoso.test"),
            recipient("zed@contoso.test"),
        ],
    };
    api.node.store.accept_message(message).await.unwrap();
    api.node.wake();
    let id_text = id.to_string();
    eventually("the recipients are deferred", || async {
        api.node
            .states(&id_text)
            .await
            .iter()
            .all(|s| *s == RecipientState::Deferred)
    })
    .await;
    id
}

#[tokio::test]
async fn fixes_are_listed_applied_audited_and_undone_over_http() {
    let api = start(true).await;
    let id = queue_and_defer(&api).await;

    let (status, fixes) = api.get("/api/v1/fixes").await;
    assert_eq!(status, 200, "{fixes}");
    let fix = fixes
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "stop-relaying:to-onprem")
        .unwrap_or_else(|| panic!("{fixes:#}"));
    assert_eq!(fix["because_of"], "4.4.316");
    assert_eq!(fix["preview"]["recipients_to_bounce"], 1);
    assert_eq!(
        fix["preview"]["domain_changes"][0]["from"],
        "internal_relay"
    );
    assert_eq!(fix["preview"]["domain_changes"][0]["to"], "authoritative");

    let (status, applied) = api
        .post("/api/v1/fixes/stop-relaying:to-onprem/apply")
        .await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["actor"], "ops");
    assert_eq!(applied["after"]["recipients_bounced"], 1);
    let stored = api.node.store.message(id).await.unwrap().unwrap();
    let states: Vec<_> = stored.recipients.iter().map(|r| r.state).collect();
    assert_eq!(states, [RecipientState::Deferred, RecipientState::Failed]);

    let (status, log) = api.get("/api/v1/audit").await;
    assert_eq!(status, 200);
    assert_eq!(log[0]["action"], "stop-relaying");
    assert_eq!(
        log[0]["before"]["accepted_domains"][0]["type"],
        "internal_relay"
    );

    let audit_id = applied["id"].as_u64().unwrap();
    let (status, undone) = api.post(&format!("/api/v1/fixes/{audit_id}/undo")).await;
    assert_eq!(status, 200, "{undone}");
    assert_eq!(undone["action"], "undo:stop-relaying");
    let (status, again) = api.post(&format!("/api/v1/fixes/{audit_id}/undo")).await;
    assert_eq!(
        (status, again["error"]["kind"].as_str()),
        (409, Some("conflict"))
    );
    assert_eq!(again["error"]["id"], audit_id.to_string());
    api.stop().await;
}

#[tokio::test]
async fn connector_queue_actions_answer_with_their_audit_entry() {
    let api = start(true).await;
    let id = queue_and_defer(&api).await;

    let (status, suspended) = api.post("/api/v1/connectors/to-onprem/suspend").await;
    assert_eq!(status, 200, "{suspended}");
    assert_eq!(suspended["after"]["recipients_affected"], 2);
    let stored = api.node.store.message(id).await.unwrap().unwrap();
    assert!(
        stored
            .recipients
            .iter()
            .all(|r| r.state == RecipientState::Suspended)
    );

    let (status, resumed) = api.post("/api/v1/connectors/to-onprem/resume").await;
    assert_eq!((status, &resumed["action"]), (200, &Value::from("resume")));
    let (status, retried) = api.post("/api/v1/connectors/to-onprem/retry").await;
    assert_eq!((status, &retried["action"]), (200, &Value::from("retry")));
    let (status, bounced) = api.post("/api/v1/connectors/to-onprem/bounce").await;
    assert_eq!(
        (status, &bounced["action"]),
        (200, &Value::from("bounce-all"))
    );
    api.stop().await;
}

#[tokio::test]
async fn errors_name_the_action_the_fix_the_connector_or_the_entry() {
    let api = start(true).await;
    let (status, body) = api.post("/api/v1/connectors/to-onprem/explode").await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("action"))
    );
    let (status, body) = api.post("/api/v1/connectors/nowhere/retry").await;
    assert_eq!(
        (status, body["error"]["id"].as_str()),
        (404, Some("nowhere"))
    );
    let (status, body) = api.post("/api/v1/fixes/reboot:to-onprem/apply").await;
    assert_eq!(
        (status, body["error"]["id"].as_str()),
        (404, Some("reboot:to-onprem"))
    );
    let (status, body) = api.post("/api/v1/fixes/lower-tls:to-onprem/apply").await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (409, Some("conflict"))
    );
    let (status, body) = api.post("/api/v1/fixes/seven/undo").await;
    assert_eq!((status, body["error"]["field"].as_str()), (400, Some("id")));
    let (status, body) = api.post("/api/v1/fixes/77/undo").await;
    assert_eq!((status, body["error"]["id"].as_str()), (404, Some("77")));
    for limit in ["many", "1000000"] {
        let (status, body) = api.get(&format!("/api/v1/audit?limit={limit}")).await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (400, Some("limit")),
            "{limit}"
        );
    }
    let (status, _) = api
        .call(true, "/api/v1/connectors/to-onprem/retry", None)
        .await;
    assert_eq!(status, 401);

    let (_, document) = api.call(false, "/api/v1/openapi.json", None).await;
    for path in [
        "/api/v1/fixes",
        "/api/v1/fixes/{id}/apply",
        "/api/v1/fixes/{id}/undo",
        "/api/v1/audit",
        "/api/v1/connectors/{name}/{action}",
    ] {
        assert!(
            document["paths"][path].is_object(),
            "{path} in the OpenAPI document"
        );
    }
    api.stop().await;
}

#[tokio::test]
async fn fix_actions_wait_for_the_node_with_503() {
    let api = start(false).await;
    let (status, body) = api.get("/api/v1/fixes").await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (503, Some("unavailable"))
    );
    let (status, body) = api.get("/api/v1/audit").await;
    assert_eq!((status, body.as_array().map(Vec::len)), (200, Some(0)));
    api.stop().await;
}
