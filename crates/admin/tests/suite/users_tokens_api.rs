//! SMTP AUTH users and named admin tokens over real HTTP: each change
//! answers with what it did, is in the audit log (never with a password or
//! a token), and a token's scope decides what it may do.

use crate::common::{Api, settings};
use mailflow_testkit::ports::refused_addr;
use mailflow_testnode::{ORG, TestNode, org};
use reqwest::Method;
use serde_json::{Value, json};

const TOKEN: &str = "users-token-5678";

async fn start() -> Api {
    let node = TestNode::start(org(refused_addr(), refused_addr()), settings()).await;
    Api::start(node, TOKEN, true).await
}

async fn latest_audit(api: &Api) -> Value {
    let (status, audit) = api.get("/api/v1/audit?limit=1").await;
    assert_eq!(status, 200, "{audit}");
    audit[0].clone()
}

#[tokio::test]
async fn users_are_added_rekeyed_listed_and_removed_with_audit_entries() {
    let api = start().await;
    let password = json!({ "password": "s3cret pass" });
    let (status, saved) = api
        .send(Method::PUT, "/api/v1/users/dan", Some(&password))
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved, json!({ "name": "dan", "created": true }));
    let hash = api
        .node
        .store
        .submission_user_hash(ORG, "dan")
        .await
        .unwrap();
    assert!(mailflow_receive::password_matches(
        &hash.unwrap(),
        "s3cret pass"
    ));
    let entry = latest_audit(&api).await;
    assert_eq!(entry["action"], "user-add");
    assert_eq!(entry["target"], "dan");
    assert!(!entry.to_string().contains("s3cret"), "{entry}");

    let again = json!({ "password": "other" });
    let (_, saved) = api
        .send(Method::PUT, "/api/v1/users/dan", Some(&again))
        .await;
    assert_eq!(saved["created"], false);
    assert_eq!(latest_audit(&api).await["action"], "user-password");

    let (status, list) = api.get("/api/v1/users").await;
    assert_eq!(status, 200);
    assert_eq!(list, json!({ "users": [{ "name": "dan" }] }));

    let (status, body) = api.send(Method::DELETE, "/api/v1/users/dan", None).await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(latest_audit(&api).await["action"], "user-remove");
    let (status, body) = api.send(Method::DELETE, "/api/v1/users/dan", None).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["id"], "dan");
    api.stop().await;
}

#[tokio::test]
async fn a_bad_user_name_or_an_empty_password_is_refused_naming_the_field() {
    let api = start().await;
    let password = json!({ "password": "pw" });
    let (status, body) = api
        .send(Method::PUT, "/api/v1/users/al%20ice", Some(&password))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "name");
    let empty = json!({ "password": "" });
    let (status, body) = api
        .send(Method::PUT, "/api/v1/users/alice", Some(&empty))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "password");
    api.stop().await;
}

#[tokio::test]
async fn a_token_is_shown_once_its_scope_limits_it_and_revoking_it_closes_the_api() {
    let api = start().await;
    let new = json!({ "name": "console", "scope": "read" });
    let (status, created) = api.send(Method::POST, "/api/v1/tokens", Some(&new)).await;
    assert_eq!(status, 201, "{created}");
    let token = created["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("mft_") && token.len() == 68, "{token}");
    assert_eq!(created["scope"], "read");
    let (status, body) = api.send(Method::POST, "/api/v1/tokens", Some(&new)).await;
    assert_eq!(status, 409, "a second token of the same name: {body}");

    // A read token reads, and its use is recorded; it may not change anything.
    let (status, _) = api
        .send_as(&token, Method::GET, "/api/v1/messages", None)
        .await;
    assert_eq!(status, 200);
    let (status, body) = api
        .send_as(
            &token,
            Method::POST,
            "/api/v1/connectors/to-onprem/retry",
            None,
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["kind"], "forbidden");

    let (_, list) = api.get("/api/v1/tokens").await;
    let listed = &list["tokens"][0];
    assert_eq!(listed["name"], "console");
    assert_eq!(listed["created_by"], "ops");
    assert!(listed["last_used_at"].is_string(), "{list}");
    assert!(
        !list.to_string().contains(&token),
        "the token itself is never listed"
    );
    let entry = latest_audit(&api).await;
    assert_eq!(entry["action"], "token-create");
    assert!(!entry.to_string().contains(&token));

    let (status, _) = api
        .send(Method::DELETE, "/api/v1/tokens/console", None)
        .await;
    assert_eq!(status, 204);
    let (status, body) = api
        .send_as(&token, Method::GET, "/api/v1/messages", None)
        .await;
    assert_eq!(status, 401, "a revoked token: {body}");
    assert_eq!(latest_audit(&api).await["action"], "token-revoke");

    let bad = json!({ "name": "no spaces", "scope": "read" });
    let (status, body) = api.send(Method::POST, "/api/v1/tokens", Some(&bad)).await;
    assert_eq!(
        (status, body["error"]["field"].clone()),
        (400, json!("name"))
    );
    let bad = json!({ "name": "x", "scope": "root" });
    let (status, body) = api.send(Method::POST, "/api/v1/tokens", Some(&bad)).await;
    assert_eq!(
        (status, body["error"]["field"].clone()),
        (400, json!("scope"))
    );
    api.stop().await;
}
