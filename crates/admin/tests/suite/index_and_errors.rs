//! The admin address leads somewhere: `GET /` points at the API, `GET
//! /api/v1` lists its resources (both without a token), and every error is
//! the API's JSON body — a method a path does not take (`405`, with its
//! `Allow` header) and a path that does not exist (`404`) included.

use crate::common::Http;
use mailflow_admin::{AdminState, TokenDigest};
use mailflow_core::{Clock, ManualClock};
use mailflow_store::{SharedStore, SqliteStore};
use serde_json::Value;
use std::sync::Arc;

const TOKEN: &str = "the-right-token";

async fn serve_api(dir: &tempfile::TempDir) -> Http {
    let store: SharedStore = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::starting_now());
    Http::serve(AdminState {
        store,
        token_digests: vec![TokenDigest::of(TOKEN)],
        clock,
        node: Default::default(),
        own_org: None,
    })
    .await
}

#[tokio::test]
async fn the_root_points_at_the_index_and_the_index_lists_every_resource() {
    let dir = tempfile::tempdir().unwrap();
    let http = serve_api(&dir).await;
    let (status, root) = http.call(false, "/", None).await;
    assert_eq!(status, 200, "{root}");
    assert_eq!(root["api"], "/api/v1");
    assert_eq!(root["openapi"], "/api/v1/openapi.json");

    let (status, index) = http.call(false, "/api/v1", None).await;
    assert_eq!(status, 200, "{index}");
    let (_, document) = http.call(false, "/api/v1/openapi.json", None).await;
    let resources = index["resources"].as_array().unwrap();
    assert_eq!(
        resources.len(),
        document["paths"].as_object().unwrap().len(),
        "{index:#}"
    );
    let find = |path: &str| -> &Value {
        resources
            .iter()
            .find(|r| r["path"] == path)
            .unwrap_or_else(|| panic!("{path} not listed: {index:#}"))
    };
    let messages = find("/api/v1/messages");
    assert_eq!(messages["methods"], serde_json::json!(["GET"]));
    assert_eq!(messages["token_required"], true);
    assert!(
        messages["description"].as_str().unwrap().len() > "GET: ".len(),
        "{messages}"
    );
    assert_eq!(
        find("/api/v1/connectors/{name}/validate")["methods"],
        serde_json::json!(["POST"])
    );
    assert_eq!(find("/api/v1/health")["token_required"], false);
    http.stop().await;
}

#[tokio::test]
async fn a_method_a_path_does_not_take_and_an_unknown_path_answer_json_errors() {
    let dir = tempfile::tempdir().unwrap();
    let http = serve_api(&dir).await;
    let client = reqwest::Client::new();
    for method in [reqwest::Method::POST, reqwest::Method::DELETE] {
        let response = client
            .request(method.clone(), format!("{}/api/v1/messages", http.base()))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405, "{method}");
        let allow = response.headers().get("allow").cloned();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["kind"], "method_not_allowed", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("/api/v1/messages does not take {method}")),
            "{message}"
        );
        assert!(
            allow.is_some_and(|allow| allow.to_str().unwrap().contains("GET")),
            "{method}"
        );
    }
    // The open paths too.
    let response = client
        .delete(format!("{}/api/v1/health", http.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "method_not_allowed", "{body}");

    for path in ["/api/v1/no-such-route", "/api/v1/", "/nothing/here"] {
        let (status, body) = http.call(false, path, Some(TOKEN)).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"]["kind"], "not_found", "{path}: {body}");
    }
    http.stop().await;
}
