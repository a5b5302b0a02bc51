//! The organisations over the API: made, listed, shown, renamed and
//! removed, each change in force on the running node at once and audited
//! as the cluster's; the node's own organisation is neither renamed nor
//! removed; one whose mail still waits is not removed; a bad name is a
//! `400` naming `name`; and a token of one organisation finds no such
//! paths at all.

use crate::common::{Api, settings};
use mailflow_admin::TokenDigest;
use mailflow_store::{AdminToken, TokenScope};
use mailflow_testkit::ports::refused_addr;
use mailflow_testnode::{ORG, TestNode, org, queued_message};
use reqwest::Method;
use serde_json::{Value, json};

const TOKEN: &str = "orgs-token-1357";

async fn start() -> Api {
    let node = TestNode::start(org(refused_addr(), refused_addr()), settings()).await;
    Api::start(node, TOKEN, true).await
}

async fn names(api: &Api) -> Vec<String> {
    let (status, orgs) = api.get("/api/v1/orgs").await;
    assert_eq!(status, 200, "{orgs}");
    orgs.as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect()
}

async fn create(api: &Api, name: &str) -> (u16, Value) {
    api.post_json("/api/v1/orgs", &json!({ "name": name }))
        .await
}

async fn cluster_audit(api: &Api, count: usize) -> Vec<(String, String)> {
    let entries = api.node.store.audit_entries(None, count).await.unwrap();
    entries
        .iter()
        .map(|e| {
            assert_eq!(e.org, None, "{e:?}");
            assert_eq!(e.actor, "ops");
            (e.action.clone(), e.target.clone())
        })
        .collect()
}

#[tokio::test]
async fn an_organisation_is_made_listed_shown_renamed_and_removed_in_force_at_once() {
    let api = start().await;
    let (status, listed) = api.get("/api/v1/orgs").await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed[0]["name"], ORG, "{listed}");
    assert_eq!(listed[0]["own"], true, "{listed}");
    assert_eq!(listed[0]["connectors"], json!(["to-onprem", "to-partner"]));
    assert_eq!(listed[0]["accepted_domains"], json!(["contoso.test"]));

    let (status, made) = create(&api, "globex").await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        made,
        json!({"name": "globex", "own": false, "accepted_domains": [], "connectors": []})
    );
    assert!(
        api.node.handle.org_of("globex").is_some(),
        "the node serves it at once"
    );
    assert_eq!(names(&api).await, ["default", "globex"]);
    let (status, again) = create(&api, "globex").await;
    assert_eq!((status, &again["error"]["kind"]), (409, &json!("conflict")));
    let (status, own_again) = create(&api, ORG).await;
    assert_eq!(status, 409, "{own_again}");

    let (status, shown) = api.get("/api/v1/orgs/globex").await;
    assert_eq!((status, shown), (200, made));
    let (status, none) = api.get("/api/v1/orgs/initech").await;
    assert_eq!(status, 404, "{none}");
    assert_eq!(none["error"]["id"], "initech");

    let (status, renamed) = api
        .send(
            Method::PATCH,
            "/api/v1/orgs/globex",
            Some(&json!({"name": "initech"})),
        )
        .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["name"], "initech");
    assert!(api.node.handle.org_of("globex").is_none());
    assert!(api.node.handle.org_of("initech").is_some());
    assert_eq!(names(&api).await, ["default", "initech"]);
    let (status, unknown) = api
        .send(
            Method::PATCH,
            "/api/v1/orgs/globex",
            Some(&json!({"name": "umbrella"})),
        )
        .await;
    assert_eq!(status, 404, "{unknown}");
    create(&api, "umbrella").await;
    let (status, taken) = api
        .send(
            Method::PATCH,
            "/api/v1/orgs/initech",
            Some(&json!({"name": "umbrella"})),
        )
        .await;
    assert_eq!(status, 409, "{taken}");
    assert!(
        taken["error"]["message"]
            .as_str()
            .unwrap()
            .contains("exists already"),
        "{taken}"
    );

    let (status, gone) = api.delete("/api/v1/orgs/initech").await;
    assert_eq!((status, gone), (204, Value::Null));
    assert!(api.node.handle.org_of("initech").is_none());
    assert_eq!(names(&api).await, ["default", "umbrella"]);
    let (status, again) = api.delete("/api/v1/orgs/initech").await;
    assert_eq!(status, 404, "{again}");

    assert_eq!(
        cluster_audit(&api, 4).await,
        [
            ("org-remove".to_string(), "initech".to_string()),
            ("org-create".into(), "umbrella".into()),
            ("org-rename".into(), "globex".into()),
            ("org-create".into(), "globex".into()),
        ]
    );
    let renamed = &api.node.store.audit_entries(None, 3).await.unwrap()[2];
    assert_eq!(
        (&renamed.before, &renamed.after),
        (&json!({"name": "globex"}), &json!({"name": "initech"}))
    );
    api.stop().await;
}

#[tokio::test]
async fn the_nodes_own_organisation_is_neither_renamed_nor_removed() {
    let api = start().await;
    let (status, renamed) = api
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{ORG}"),
            Some(&json!({"name": "other"})),
        )
        .await;
    assert_eq!(status, 409, "{renamed}");
    let message = renamed["error"]["message"].as_str().unwrap();
    assert!(message.contains("own organisation"), "{message}");
    assert!(message.contains("configuration"), "{message}");
    let (status, removed) = api.delete(&format!("/api/v1/orgs/{ORG}")).await;
    assert_eq!(status, 409, "{removed}");
    assert!(api.node.handle.org_of(ORG).is_some());
    assert_eq!(names(&api).await, [ORG]);
    api.stop().await;
}

#[tokio::test]
async fn an_organisation_whose_mail_waits_is_not_removed() {
    let api = start().await;
    let (status, _) = create(&api, "globex").await;
    assert_eq!(status, 201);
    let message = queued_message("globex", api.node.now(), "waiting");
    api.node.store.accept_message(message).await.unwrap();

    let (status, refused) = api.delete("/api/v1/orgs/globex").await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["id"], "globex");
    let text = refused["error"]["message"].as_str().unwrap();
    assert!(text.contains("1 recipient(s) waiting"), "{text}");
    assert!(text.contains("0 report(s) owed"), "{text}");
    assert!(api.node.handle.org_of("globex").is_some());
    assert_eq!(names(&api).await, [ORG, "globex"]);
    api.stop().await;
}

#[tokio::test]
async fn a_name_that_cannot_be_an_organisations_is_refused_naming_the_field() {
    let api = start().await;
    for bad in [
        "",
        "a/b",
        "with space",
        ".dot",
        "-dash",
        "a:b",
        &"x".repeat(64),
    ] {
        let (status, refused) = create(&api, bad).await;
        assert_eq!(status, 400, "{bad:?}: {refused}");
        assert_eq!(refused["error"]["field"], "name", "{bad:?}: {refused}");
    }
    let (status, missing) = api.post_json("/api/v1/orgs", &json!({})).await;
    assert_eq!(status, 400, "{missing}");
    assert_eq!(missing["error"]["field"], "name", "{missing}");
    create(&api, "globex").await;
    let (status, refused) = api
        .send(
            Method::PATCH,
            "/api/v1/orgs/globex",
            Some(&json!({"name": "a/b"})),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["field"], "name");
    assert_eq!(names(&api).await, [ORG, "globex"]);
    api.stop().await;
}

#[tokio::test]
async fn a_token_of_one_organisation_finds_no_organisations_paths() {
    let api = start().await;
    create(&api, "globex").await;
    let token = "globex-admin-token-2468";
    let stored = AdminToken {
        org: Some("globex".into()),
        name: "globex-admin".into(),
        scope: TokenScope::Admin,
        digest: TokenDigest::of(token).to_string(),
        created_at: api.node.now(),
        created_by: "test".into(),
        last_used_at: None,
    };
    assert!(api.node.store.create_admin_token(stored).await.unwrap());

    let rename = json!({"name": "initech"});
    let new = json!({"name": "initech"});
    for (method, path, body) in [
        (Method::GET, "/api/v1/orgs", None),
        (Method::POST, "/api/v1/orgs", Some(&new)),
        (Method::GET, "/api/v1/orgs/globex", None),
        (Method::PATCH, "/api/v1/orgs/globex", Some(&rename)),
        (Method::DELETE, "/api/v1/orgs/globex", None),
        (Method::DELETE, "/api/v1/orgs/default", None),
    ] {
        let (status, answer) = api.send_as(token, method.clone(), path, body).await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
        assert_eq!(
            answer["error"]["message"],
            format!("no such endpoint: {path}"),
            "{method} {path}"
        );
    }
    assert_eq!(names(&api).await, [ORG, "globex"]);
    api.stop().await;
}
