//! Every list the API gives is capped: a `limit` past the cap (1000) is
//! refused with `400` naming the field, on every list endpoint, and the
//! OpenAPI document says so (the alerts list, which needs a running node,
//! is checked in `alerts_api.rs`).

use crate::common::Http;
use mailflow_admin::{AdminState, TokenDigest};
use mailflow_core::{Clock, ManualClock};
use mailflow_store::{SharedStore, SqliteStore};
use std::sync::Arc;

const TOKEN: &str = "the-right-token";
const LISTS: [&str; 3] = ["/api/v1/messages", "/api/v1/trace", "/api/v1/audit"];

#[tokio::test]
async fn every_list_refuses_a_limit_past_the_cap_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::starting_now());
    let http = Http::serve(AdminState {
        store,
        token_digests: vec![TokenDigest::of(TOKEN)],
        clock,
        node: Default::default(),
        own_org: Some(mailflow_testnode::ORG.into()),
    })
    .await;

    for list in LISTS {
        for limit in ["1000001", "1000000", "1001", "0"] {
            let path = format!("{list}?limit={limit}");
            let (status, body) = http.call(false, &path, Some(TOKEN)).await;
            assert_eq!(status, 400, "{path}: {body}");
            assert_eq!(body["error"]["field"], "limit", "{path}: {body}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains("1000"), "{path}: {message}");
        }
        let path = format!("{list}?limit=1000");
        let (status, body) = http.call(false, &path, Some(TOKEN)).await;
        // The message list pages: its messages come with a cursor.
        let page = match list {
            "/api/v1/messages" => &body["messages"],
            _ => &body,
        };
        assert_eq!((status, page.is_array()), (200, true), "{path}: {body}");
    }

    let (_, document) = http.call(false, "/api/v1/openapi.json", None).await;
    for list in LISTS.iter().chain(&["/api/v1/alerts"]) {
        let parameters = document["paths"][list]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{list} has parameters"));
        let limit = parameters
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap_or_else(|| panic!("{list} documents limit"));
        let description = limit["description"].as_str().unwrap_or_default();
        assert!(
            description.contains("at most 1000"),
            "{list}: {description}"
        );
    }
    http.stop().await;
}
