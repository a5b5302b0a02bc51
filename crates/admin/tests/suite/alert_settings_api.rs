//! The organisation's alert settings over real HTTP: read, changed field by
//! field with the config's checks (each error names its field), per
//! connector thresholds, the webhook secret never shown, every change
//! audited; the alert evaluator reads what was saved.

use crate::common::{Api, settings};
use mailflow_testkit::ports::refused_addr;
use mailflow_testnode::{ORG, TestNode, org};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

const TOKEN: &str = "alerts-token-9012";

async fn start() -> Api {
    let node = TestNode::start(org(refused_addr(), refused_addr()), settings()).await;
    Api::start(node, TOKEN, true).await
}

#[tokio::test]
async fn a_patch_changes_only_its_fields_hides_the_secret_and_is_audited() {
    let api = start().await;
    let (status, shown) = api.get("/api/v1/alert-settings").await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["queued_threshold"], 200);
    assert_eq!(shown["queued_age"], "1h");
    assert_eq!(shown["webhook_secret_set"], false);

    let patch = json!({
        "queued_threshold": 50,
        "oldest_age": "90m",
        "webhook_url": "https://hooks.example.test/mailflow",
        "webhook_secret": "hook-secret-77",
        "admin_emails": ["Ops@Contoso.test"],
    });
    let (status, after) = api
        .send(Method::PATCH, "/api/v1/alert-settings", Some(&patch))
        .await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["queued_threshold"], 50);
    assert_eq!(after["queued_age"], "1h", "left alone");
    assert_eq!(after["oldest_age"], "1h 30m");
    assert_eq!(after["webhook_secret_set"], true);
    assert_eq!(after["admin_emails"], json!(["ops@contoso.test"]));
    assert!(!after.to_string().contains("hook-secret-77"));

    let saved = api.node.store.alert_settings(ORG).await.unwrap().unwrap();
    assert_eq!(saved.rules.queued_threshold, 50);
    assert_eq!(saved.rules.oldest_age, Duration::from_secs(90 * 60));
    assert_eq!(saved.webhook_secret.as_deref(), Some("hook-secret-77"));

    let (_, audit) = api.get("/api/v1/audit?limit=1").await;
    assert_eq!(audit[0]["action"], "alert-settings-edit");
    assert_eq!(audit[0]["before"]["queued_threshold"], 200);
    assert_eq!(audit[0]["after"]["queued_threshold"], 50);
    assert!(!audit.to_string().contains("hook-secret-77"));

    let clear = json!({ "webhook_url": null, "webhook_secret": null });
    let (_, after) = api
        .send(Method::PATCH, "/api/v1/alert-settings", Some(&clear))
        .await;
    assert_eq!(after["webhook_url"], json!(null));
    assert_eq!(after["webhook_secret_set"], false);
    api.stop().await;
}

#[tokio::test]
async fn values_that_cannot_be_used_are_refused_naming_the_field() {
    let api = start().await;
    for (patch, field) in [
        (json!({ "queued_threshold": 0 }), "queued_threshold"),
        (json!({ "queued_age": "soon" }), "queued_age"),
        (json!({ "webhook_url": "ftp://x.test" }), "webhook_url"),
        (
            json!({ "admin_emails": ["ops@contoso.test", "nobody"] }),
            "admin_emails[1]",
        ),
        (
            json!({ "invalid_recipient_quota": 0 }),
            "invalid_recipient_quota",
        ),
    ] {
        let (status, body) = api
            .send(Method::PATCH, "/api/v1/alert-settings", Some(&patch))
            .await;
        assert_eq!(status, 400, "{patch}: {body}");
        assert_eq!(body["error"]["field"], field, "{patch}: {body}");
    }
    let saved = api.node.store.alert_settings(ORG).await.unwrap();
    assert!(
        saved.is_none_or(|s| s.rules.queued_threshold == 200),
        "nothing was saved"
    );
    api.stop().await;
}

#[tokio::test]
async fn a_connector_gets_its_own_thresholds_and_gives_them_back() {
    let api = start().await;
    let own = json!({ "queued_threshold": 5, "queued_age": "10m" });
    let path = "/api/v1/alert-settings/connectors/to-onprem";
    let (status, after) = api.send(Method::PUT, path, Some(&own)).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(
        after["connectors"]["to-onprem"],
        json!({ "queued_threshold": 5, "queued_age": "10m" })
    );
    let saved = api.node.store.alert_settings(ORG).await.unwrap().unwrap();
    let rules = saved.rules_for(Some("to-onprem"));
    assert_eq!(
        (rules.queued_threshold, rules.queued_age),
        (5, Duration::from_secs(600))
    );
    assert_eq!(
        rules.oldest_age, saved.rules.oldest_age,
        "the rest from the organisation"
    );

    let unknown = "/api/v1/alert-settings/connectors/no-such";
    let (status, body) = api.send(Method::PUT, unknown, Some(&own)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "connectors.no-such");

    let (status, after) = api.send(Method::DELETE, path, None).await;
    assert_eq!(status, 200);
    assert_eq!(after["connectors"], json!({}));
    let (status, _) = api.send(Method::DELETE, path, None).await;
    assert_eq!(status, 404);
    api.stop().await;
}
