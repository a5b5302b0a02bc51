//! Alerts over real HTTP against a running node and a SQLite store:
//! listing by state, acknowledging, errors naming the field or the id, and
//! the routes in the OpenAPI document.

use crate::common::{Api, settings};
use mailflow_core::{Clock, OrgSettings};
use mailflow_store::{AlertObservation, AlertRule, AlertValues};
use mailflow_testnode::{ORG, TestNode};
use std::time::Duration;

const TOKEN: &str = "alerts-token-1234";

async fn start() -> Api {
    let node = TestNode::start(OrgSettings::default(), settings()).await;
    Api::start(node, TOKEN, true).await
}

/// An alert on `connector`, resolved at once when `resolved`.
async fn alert(api: &Api, connector: &str, resolved: bool) -> i64 {
    let store = &api.node.store;
    let at = api.node.clock.now();
    let observed = store
        .observe_alert(AlertObservation {
            org: ORG.into(),
            connector: Some(connector.into()),
            code: "4.4.316".into(),
            rule: AlertRule::QueuedCount,
            values: AlertValues {
                queued: 250,
                queued_over_age: 210,
                oldest_received_at: Some(at - Duration::from_secs(7200)),
                last_error: None,
                ..AlertValues::default()
            },
            at,
        })
        .await
        .unwrap();
    if resolved {
        store
            .resolve_alerts(ORG, Some(connector), at)
            .await
            .unwrap();
    }
    observed.alert.id
}

#[tokio::test]
async fn alerts_are_listed_by_state_open_by_default() {
    let api = start().await;
    let resolved = alert(&api, "to-partner", true).await;
    let open = alert(&api, "to-onprem", false).await;

    let (status, body) = api.get("/api/v1/alerts").await;
    assert_eq!(status, 200);
    let list = body.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], open);
    assert_eq!(list[0]["state"], "open");
    assert_eq!(list[0]["connector"], "to-onprem");
    assert_eq!(list[0]["code"], "4.4.316");
    assert_eq!(list[0]["category"], "connection_refused");
    assert_eq!(list[0]["rule"], "queued_count");
    assert_eq!(
        (
            list[0]["queued"].as_u64(),
            list[0]["queued_over_age"].as_u64()
        ),
        (Some(250), Some(210))
    );

    let (_, body) = api.get("/api/v1/alerts?state=resolved").await;
    let ids: Vec<i64> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [resolved]);
    let (_, body) = api.get("/api/v1/alerts?state=all").await;
    assert_eq!(body.as_array().unwrap().len(), 2);

    let (status, body) = api.get("/api/v1/alerts?state=closed").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["field"], "state");
    api.stop().await;
}

#[tokio::test]
async fn the_alert_list_is_capped_by_limit_newest_first() {
    let api = start().await;
    let oldest = alert(&api, "to-a", true).await;
    let middle = alert(&api, "to-b", true).await;
    let newest = alert(&api, "to-c", false).await;
    let ids = |body: serde_json::Value| -> Vec<i64> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect()
    };
    let (status, body) = api.get("/api/v1/alerts?state=all&limit=2").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(body), [newest, middle]);
    let (_, body) = api.get("/api/v1/alerts?state=all").await;
    assert_eq!(ids(body), [newest, middle, oldest]);
    for limit in ["0", "1001", "1000000"] {
        let (status, body) = api.get(&format!("/api/v1/alerts?limit={limit}")).await;
        assert_eq!(status, 400, "{limit}: {body}");
        assert_eq!(body["error"]["field"], "limit");
    }
    api.stop().await;
}

#[tokio::test]
async fn an_alert_is_acknowledged_by_the_actor_and_stays_open() {
    let api = start().await;
    let id = alert(&api, "to-onprem", false).await;
    let (status, body) = api.post(&format!("/api/v1/alerts/{id}/ack")).await;
    assert_eq!(status, 200);
    assert_eq!(body["acknowledged_by"], "ops");
    assert_eq!(body["state"], "open");
    assert!(body["acknowledged_at"].is_string());

    let (status, body) = api.post("/api/v1/alerts/999/ack").await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (404, Some("not_found"))
    );
    assert_eq!(body["error"]["id"], "999");
    let (status, body) = api.post("/api/v1/alerts/first/ack").await;
    assert_eq!((status, body["error"]["field"].as_str()), (400, Some("id")));
    api.stop().await;
}

#[tokio::test]
async fn the_alert_routes_are_in_the_openapi_document() {
    let api = start().await;
    let (_, document) = api.get("/api/v1/openapi.json").await;
    assert!(document["paths"]["/api/v1/alerts"]["get"].is_object());
    assert!(document["paths"]["/api/v1/alerts/{id}/ack"]["post"].is_object());
    assert!(document["components"]["schemas"]["AlertView"].is_object());
    api.stop().await;
}
