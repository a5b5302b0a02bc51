//! Every route the OpenAPI document lists, but `health` and the document
//! itself, answers `401` with the API's error body to a request without a
//! token or with a wrong one, before it looks at anything else (a node that
//! has not started, an id that does not exist). The token is asked for
//! before routing: without one, a path that does not exist answers exactly
//! as one that does, so the routes cannot be found out.

use crate::common::Http;
use mailflow_admin::{AdminState, TokenDigest};
use mailflow_core::{Clock, ManualClock};
use mailflow_store::{SharedStore, SqliteStore};
use std::sync::Arc;

/// The paths open without a token: health, the OpenAPI document, and the
/// index and the pointer to it, which say no more than the document.
const OPEN: [&str; 4] = ["/api/v1/health", "/api/v1/openapi.json", "/api/v1", "/"];

/// The API on a fresh store, opened by `the-right-token`.
async fn serve_api(dir: &tempfile::TempDir) -> Http {
    let store: SharedStore = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::starting_now());
    Http::serve(AdminState {
        store,
        token_digests: vec![TokenDigest::of("the-right-token")],
        clock,
        node: Default::default(),
        own_org: None,
    })
    .await
}

#[tokio::test]
async fn every_documented_route_but_health_and_the_document_refuses_a_missing_or_wrong_token() {
    let dir = tempfile::tempdir().unwrap();
    let http = serve_api(&dir).await;
    let (status, document) = http.call(false, "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    let paths = document["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, operations) in paths {
        let concrete = fill_in(path);
        for method in operations.as_object().unwrap().keys() {
            let verb: reqwest::Method = method.to_uppercase().parse().unwrap();
            if OPEN.contains(&path.as_str()) {
                let (status, _) = http.send(verb, &concrete, None, None).await;
                assert_eq!(status, 200, "{method} {path}");
                continue;
            }
            for token in [None, Some("a-wrong-token")] {
                let (status, body) = http.send(verb.clone(), &concrete, token, None).await;
                assert_eq!(status, 401, "{method} {path} with {token:?}: {body}");
                assert_eq!(body["error"]["kind"], "unauthorized", "{method} {path}");
            }
            checked += 1;
        }
    }
    // The router has 53 protected operations; each must be documented.
    assert!(
        checked >= 53,
        "only {checked} protected operations documented"
    );
    http.stop().await;
}

#[tokio::test]
async fn without_a_token_a_path_that_does_not_exist_answers_as_one_that_does() {
    let dir = tempfile::tempdir().unwrap();
    let http = serve_api(&dir).await;
    for token in [None, Some("a-wrong-token")] {
        let known = http.call(false, "/api/v1/messages", token).await;
        assert_eq!(known.0, 401, "{token:?}: {}", known.1);
        for (post, path) in [
            (false, "/api/v1/no-such-route"),
            (false, "/nothing/here"),
            (false, "/api/v1/health/"),
            (false, "/api/v1/audit/x/y"),
            // A known path with a method it does not take.
            (true, "/api/v1/messages"),
        ] {
            let answer = http.call(post, path, token).await;
            assert_eq!(answer, known, "{path} (post: {post}) with {token:?}");
        }
    }
    // With the token, a path that does not exist is named as such.
    let (status, body) = http
        .call(false, "/api/v1/no-such-route", Some("the-right-token"))
        .await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (404, Some("not_found"))
    );
    http.stop().await;
}

/// `/api/v1/messages/{id}` → `/api/v1/messages/x`.
fn fill_in(path: &str) -> String {
    path.split('/')
        .map(|part| match part.starts_with('{') {
            true => "x",
            false => part,
        })
        .collect::<Vec<_>>()
        .join("/")
}
