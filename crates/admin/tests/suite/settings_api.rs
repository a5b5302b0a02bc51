//! The organisation's settings over real HTTP against a running node:
//! connectors, accepted domains and the directory changed live, each change
//! checked as the config is (errors name the field) and audited with before
//! and after.

use crate::common::{Api, Body, settings};
use mailflow_core::{AcceptedDomain, ConnectorKind, Directory, DomainType, OrgSettings};
use mailflow_testkit::ports::refused_addr;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::{TestNode, connector, submit};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

const TOKEN: &str = "settings-token-1234";

/// contoso.test is internal relay through `to-onprem`, where nothing
/// listens; alice is in the directory.
fn org() -> OrgSettings {
    let mut directory = Directory::default();
    directory.insert("alice@contoso.test");
    OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "contoso.test".into(),
            kind: DomainType::InternalRelay,
        }],
        connectors: vec![connector(
            "to-onprem",
            ConnectorKind::OnPremises,
            &["contoso.test"],
            &[refused_addr()],
        )],
        directory,
    }
}

async fn start() -> Api {
    Api::start(TestNode::start(org(), settings()).await, TOKEN, true).await
}

/// The newest audit entry.
async fn last_audit(api: &Api) -> Value {
    let (status, log) = api.get("/api/v1/audit?limit=1").await;
    assert_eq!(status, 200, "{log}");
    log[0].clone()
}

fn error_field(body: &Value) -> &str {
    body["error"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("no field in {body}"))
}

#[tokio::test]
async fn a_connector_added_through_the_api_carries_mail_at_once() {
    let api = start().await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let body = json!({
        "name": "to-fabrikam",
        "kind": "partner",
        "recipient_domains": ["fabrikam.test"],
        "smart_hosts": [partner.addr().to_string()],
        "connect_timeout": "30s",
    });
    let (status, added) = api
        .send_body(Method::POST, "/api/v1/connectors", Body::Json(body))
        .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["enabled"], true);
    assert_eq!(added["max_connections"], 10);
    assert_eq!(added["connect_timeout"], "30s");
    assert_eq!(added["tls_name"], Value::Null);

    let (code, reply) = submit::send(
        api.node.smtp,
        "dan@relay.test",
        &["bob@fabrikam.test"],
        "Subject: hi\r\n\r\nhello\r\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let received = partner
        .wait_for_messages(1, Duration::from_secs(10))
        .await
        .expect("the new connector carries the message");
    assert_eq!(received[0].recipients[0].address, "bob@fabrikam.test");

    let entry = last_audit(&api).await;
    assert_eq!(entry["action"], "connector-add");
    assert_eq!(entry["target"], "to-fabrikam");
    assert_eq!(entry["actor"], "ops");
    assert_eq!(entry["before"], Value::Null);
    assert_eq!(entry["after"]["smart_hosts"][0], partner.addr().to_string());

    let (status, listed) = api.get("/api/v1/connectors").await;
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let (status, shown) = api.get("/api/v1/connectors/to-fabrikam").await;
    assert_eq!((status, &shown), (200, &added));
    api.stop().await;
}

#[tokio::test]
async fn a_domain_switched_to_authoritative_refuses_unknown_recipients_at_once() {
    let api = start().await;
    let (status, changed) = api
        .send_body(
            Method::PUT,
            "/api/v1/accepted-domains/contoso.test",
            Body::Json(json!({"type": "authoritative"})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        changed,
        json!({"name": "contoso.test", "type": "authoritative"})
    );

    let (code, reply) = submit::send(
        api.node.smtp,
        "dan@relay.test",
        &["zed@contoso.test"],
        "Subject: hi\r\n\r\nhello\r\n",
    )
    .await;
    assert_eq!(code, 550, "{reply}");
    assert!(reply.contains("5.1.10"), "{reply}");

    let entry = last_audit(&api).await;
    assert_eq!(entry["action"], "domain-edit");
    assert_eq!(entry["target"], "contoso.test");
    assert_eq!(entry["before"]["type"], "internal_relay");
    assert_eq!(entry["after"]["type"], "authoritative");

    let (status, _) = api
        .send_body(
            Method::POST,
            "/api/v1/accepted-domains",
            Body::Json(json!({"name": "fabrikam.test", "type": "authoritative"})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, conflict) = api
        .send_body(
            Method::POST,
            "/api/v1/accepted-domains",
            Body::Json(json!({"name": "Fabrikam.test", "type": "authoritative"})),
        )
        .await;
    assert_eq!(status, 409, "{conflict}");
    let (status, removed) = api
        .send_body(
            Method::DELETE,
            "/api/v1/accepted-domains/fabrikam.test",
            Body::None,
        )
        .await;
    assert_eq!(status, 200, "{removed}");
    assert_eq!(last_audit(&api).await["action"], "domain-remove");
    let (status, _) = api.get("/api/v1/accepted-domains/fabrikam.test").await;
    assert_eq!(status, 404);
    api.stop().await;
}

#[tokio::test]
async fn values_that_cannot_be_used_are_refused_naming_the_field() {
    let api = start().await;
    let connector = |extra: Value| {
        let mut body = json!({"name": "to-fabrikam", "kind": "partner", "recipient_domains": ["fabrikam.test"]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        Body::Json(body)
    };
    let post = |body| api.send_body(Method::POST, "/api/v1/connectors", body);

    let (status, error) = post(connector(json!({"smart_hosts": ["mail.test:notaport"]}))).await;
    assert_eq!(
        (status, error_field(&error)),
        (400, "smart_hosts[0]"),
        "{error}"
    );
    let (status, error) = post(connector(json!({"recipient_domains": ["contoso.test"]}))).await;
    assert_eq!(
        (status, error_field(&error)),
        (400, "recipient_domains[0]"),
        "{error}"
    );
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("\"to-onprem\"") && message.contains("\"to-fabrikam\""),
        "{message}"
    );
    let (status, error) = post(connector(json!({"tls": "strict"}))).await;
    assert_eq!((status, error_field(&error)), (400, "tls"), "{error}");
    let (status, error) = post(connector(json!({"smart_host": []}))).await;
    assert_eq!(
        (status, error_field(&error)),
        (400, "smart_host"),
        "{error}"
    );
    let (status, error) = post(connector(json!({"name": "to-onprem"}))).await;
    assert_eq!(
        (status, error["error"]["kind"].as_str()),
        (409, Some("conflict"))
    );

    let patch = |body: Value| {
        api.send_body(
            Method::PATCH,
            "/api/v1/connectors/to-onprem",
            Body::Json(body),
        )
    };
    let (status, error) = patch(json!({"max_connections": 0})).await;
    assert_eq!(
        (status, error_field(&error)),
        (400, "max_connections"),
        "{error}"
    );
    let (status, error) = patch(json!({"command_timeout": "soon"})).await;
    assert_eq!(
        (status, error_field(&error)),
        (400, "command_timeout"),
        "{error}"
    );
    let (status, changed) = patch(json!({"tls": "required", "max_connections": 3})).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (changed["tls"].as_str(), changed["max_connections"].as_u64()),
        (Some("required"), Some(3))
    );
    let entry = last_audit(&api).await;
    assert_eq!(entry["action"], "connector-edit");
    assert_eq!(
        (
            entry["before"]["tls"].as_str(),
            entry["after"]["tls"].as_str()
        ),
        (Some("opportunistic"), Some("required"))
    );

    // A merge patch: null takes a field back to its default.
    let (status, reset) = patch(json!({"max_connections": null})).await;
    assert_eq!((status, reset["max_connections"].as_u64()), (200, Some(10)));

    // PUT replaces the whole; the name is the path's.
    let put = |body: Value| {
        api.send_body(
            Method::PUT,
            "/api/v1/connectors/to-onprem",
            Body::Json(body),
        )
    };
    let (status, error) = put(
        json!({"name": "elsewhere", "kind": "on_premises", "recipient_domains": ["contoso.test"]}),
    )
    .await;
    assert_eq!((status, error_field(&error)), (400, "name"), "{error}");
    let (status, replaced) = put(
        json!({"kind": "on_premises", "recipient_domains": ["contoso.test", "*.contoso.test"]}),
    )
    .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["smart_hosts"], json!([]));
    assert_eq!(replaced["tls"], "opportunistic");

    // The internal relay domain needs its connector.
    let (status, error) = api
        .send_body(Method::DELETE, "/api/v1/connectors/to-onprem", Body::None)
        .await;
    assert_eq!(
        (status, error_field(&error)),
        (400, "accepted_domains[0].name"),
        "{error}"
    );
    let (status, _) = api.get("/api/v1/connectors/nowhere").await;
    assert_eq!(status, 404);

    // The whole at once names fields from the top.
    let (_, mut whole) = api.get("/api/v1/org").await;
    whole["connectors"][0]["smart_hosts"] = json!(["bad host"]);
    let (status, error) = api
        .send_body(Method::PUT, "/api/v1/org", Body::Json(whole))
        .await;
    assert_eq!(
        (status, error_field(&error)),
        (400, "connectors[0].smart_hosts[0]"),
        "{error}"
    );
    api.stop().await;
}

#[tokio::test]
async fn enable_and_disable_are_audited_and_the_queue_actions_still_answer() {
    let api = start().await;
    let (status, disabled) = api.post("/api/v1/connectors/to-onprem/disable").await;
    assert_eq!(status, 200, "{disabled}");
    assert_eq!(disabled["enabled"], false);
    let entry = last_audit(&api).await;
    assert_eq!(entry["action"], "connector-disable");
    assert_eq!(
        (
            entry["before"]["enabled"].as_bool(),
            entry["after"]["enabled"].as_bool()
        ),
        (Some(true), Some(false))
    );
    let (status, enabled) = api.post("/api/v1/connectors/to-onprem/enable").await;
    assert_eq!((status, enabled["enabled"].as_bool()), (200, Some(true)));
    let (status, retried) = api.post("/api/v1/connectors/to-onprem/retry").await;
    assert_eq!(status, 200, "{retried}");
    assert_eq!(retried["action"], "retry");
    api.stop().await;
}

#[tokio::test]
async fn a_directory_import_counts_added_unchanged_and_refused_lines() {
    let api = start().await;
    let csv = "EmailAddress,DisplayName\nalice@contoso.test,Alice\nBob@Contoso.test,Bob\nnot an address,Nobody\nbob@contoso.test,Bob again\n";
    let (status, import) = api
        .send_body(Method::POST, "/api/v1/directory/import", Body::Csv(csv))
        .await;
    assert_eq!(status, 200, "{import}");
    assert_eq!(import["added"], 1);
    assert_eq!(import["unchanged"], 2);
    assert_eq!(import["refused"][0]["line"], 4);
    assert!(
        import["refused"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("not an address")
    );
    let entry = last_audit(&api).await;
    assert_eq!(entry["action"], "directory-import");
    assert_eq!(entry["after"]["recipients"], json!(["bob@contoso.test"]));

    let (status, added) = api
        .send_body(
            Method::POST,
            "/api/v1/directory",
            Body::Json(json!(["carol@contoso.test", "alice@contoso.test"])),
        )
        .await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(
        added,
        json!({"added": ["carol@contoso.test"], "unchanged": ["alice@contoso.test"]})
    );
    let (status, error) = api
        .send_body(
            Method::POST,
            "/api/v1/directory",
            Body::Json(json!(["dan@contoso.test", "dan"])),
        )
        .await;
    assert_eq!(
        (status, error_field(&error)),
        (400, "addresses[1]"),
        "{error}"
    );
    let (status, removed) = api
        .send_body(
            Method::DELETE,
            "/api/v1/directory",
            Body::Json(json!("carol@contoso.test")),
        )
        .await;
    assert_eq!(status, 200, "{removed}");
    assert_eq!(removed["removed"], json!(["carol@contoso.test"]));
    let (_, listed) = api.get("/api/v1/directory").await;
    assert_eq!(
        listed["recipients"],
        json!(["alice@contoso.test", "bob@contoso.test"])
    );
    api.stop().await;
}

#[tokio::test]
async fn a_directory_import_larger_than_axums_default_body_limit_is_taken() {
    let api = start().await;
    let csv: String = (0..120_000)
        .map(|i| format!("user{i}@contoso.test\n"))
        .collect();
    assert!(csv.len() > 2 * 1024 * 1024);
    let (status, import) = api
        .send_body(Method::POST, "/api/v1/directory/import", Body::Csv(&csv))
        .await;
    assert_eq!(status, 200, "{import}");
    assert_eq!(import["added"], 120_000);
    api.stop().await;
}

#[tokio::test]
async fn a_connector_edited_through_the_api_is_used_by_the_next_attempt() {
    let api = start().await;
    let (code, reply) = submit::send(
        api.node.smtp,
        "dan@relay.test",
        &["alice@contoso.test"],
        "Subject: hi\r\n\r\nhello\r\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let id = submit::queue_id(&reply);
    mailflow_testnode::eventually("the refused attempt defers alice", || async {
        api.node.states(&id).await == [mailflow_core::RecipientState::Deferred]
    })
    .await;

    let onprem = SmtpServer::start(SmtpBehavior::new()).await;
    let (status, changed) = api
        .send_body(
            Method::PATCH,
            "/api/v1/connectors/to-onprem",
            Body::Json(json!({"smart_hosts": [onprem.addr().to_string()]})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    api.node.advance(Duration::from_secs(3600));
    onprem
        .wait_for_messages(1, Duration::from_secs(10))
        .await
        .expect("the next attempt goes to the new smart host");
    api.stop().await;
}

#[tokio::test]
async fn settings_wait_for_the_node_with_503() {
    let api = Api::start(TestNode::start(org(), settings()).await, TOKEN, false).await;
    let (status, body) = api.get("/api/v1/connectors").await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (503, Some("unavailable"))
    );
    let (status, _) = api
        .send_body(
            Method::POST,
            "/api/v1/directory",
            Body::Json(json!("alice@contoso.test")),
        )
        .await;
    assert_eq!(status, 503);
    api.stop().await;
}
