//! The nodes over the API: listed with their heartbeat, version, state
//! (`missing` when their heartbeats stopped) and work; drained and resumed
//! by name, this node or another, with audit entries; an unknown name is a
//! `404` naming it, and a read-only token may look but not drain.

use crate::common::{Api, settings};
use mailflow_relay::NodeState;
use mailflow_store::NodeHeartbeat;
use mailflow_testkit::ports::refused_addr;
use mailflow_testnode::{TestNode, eventually, org};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

const TOKEN: &str = "nodes-token-2468";
const THIS: &str = "relay.test";

async fn start() -> Api {
    let node = TestNode::start(org(refused_addr(), refused_addr()), settings()).await;
    Api::start(node, TOKEN, true).await
}

/// Another node's heartbeat, written `ago` before this node's clock.
async fn other_node(api: &Api, name: &str, ago: Duration) {
    let at = api.node.now() - ago;
    let beat = NodeHeartbeat {
        name: name.into(),
        version: "0.0.9".into(),
        started_at: at,
        at,
        fresh_until: at + Duration::from_secs(30),
        state: NodeState::Running,
        admin_addr: Some("http://192.0.2.7:8025".into()),
    };
    api.node.store.write_heartbeat(&beat).await.unwrap();
}

async fn listed(api: &Api) -> Vec<Value> {
    let (status, nodes) = api.get("/api/v1/nodes").await;
    assert_eq!(status, 200, "{nodes}");
    nodes.as_array().unwrap().clone()
}

async fn listed_state(api: &Api, name: &str) -> String {
    let nodes = listed(api).await;
    let node = nodes.iter().find(|n| n["name"] == name).unwrap();
    node["state"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn nodes_are_listed_by_name_with_version_state_work_and_missing_ones_named_so() {
    let api = start().await;
    other_node(&api, "relay-a", Duration::from_secs(5)).await;
    other_node(&api, "relay-z", Duration::from_secs(31)).await;

    let nodes = listed(&api).await;
    let names: Vec<_> = nodes.iter().map(|n| n["name"].clone()).collect();
    assert_eq!(names, [json!("relay-a"), json!("relay-z"), json!(THIS)]);
    let this = &nodes[2];
    assert_eq!(this["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(this["state"], "running");
    assert_eq!(this["in_flight"], 0);
    assert_eq!(this["this_node"], true);
    assert_eq!(this["drain_requested"], false);
    let now = mailflow_core::json_time(api.node.now());
    assert_eq!(
        (&this["started_at"], &this["last_seen"]),
        (&json!(now), &json!(now))
    );
    assert_eq!(nodes[0]["state"], "running");
    assert_eq!(nodes[0]["admin_url"], "http://192.0.2.7:8025");
    assert_eq!(nodes[0]["this_node"], false);
    assert_eq!(
        nodes[1]["state"], "missing",
        "three heartbeat intervals without one"
    );
    api.stop().await;
}

#[tokio::test]
async fn draining_this_node_through_the_api_drains_it_and_resume_takes_it_back_with_audit() {
    let api = start().await;
    let (status, view) = api.post(&format!("/api/v1/nodes/{THIS}/drain")).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["drain_requested"], true);
    let mut state = api.node.handle.watch_node_state();
    let drained = state.wait_for(|s| *s == NodeState::Drained);
    tokio::time::timeout(Duration::from_secs(10), drained)
        .await
        .expect("drained at once, not at the next heartbeat")
        .unwrap();
    eventually("the list shows it drained", || async {
        listed_state(&api, THIS).await == "drained"
    })
    .await;
    let (_, audit) = api.get("/api/v1/audit?limit=1").await;
    assert_eq!(audit[0]["action"], "node-drain");
    assert_eq!(audit[0]["target"], THIS);
    assert_eq!(audit[0]["actor"], "ops");
    assert_eq!(audit[0]["before"]["drain_requested"], false);
    assert_eq!(audit[0]["after"]["drain_requested"], true);

    let (status, view) = api.post(&format!("/api/v1/nodes/{THIS}/resume")).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["drain_requested"], false);
    let running = state.wait_for(|s| *s == NodeState::Running);
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("running again")
        .unwrap();
    let (_, audit) = api.get("/api/v1/audit?limit=1").await;
    assert_eq!(audit[0]["action"], "node-resume");
    api.stop().await;
}

#[tokio::test]
async fn draining_another_node_asks_it_through_the_store_and_leaves_this_one_running() {
    let api = start().await;
    other_node(&api, "relay-b", Duration::ZERO).await;
    let (status, view) = api.post("/api/v1/nodes/relay-b/drain").await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(
        (&view["name"], &view["this_node"]),
        (&json!("relay-b"), &json!(false))
    );
    assert!(api.node.store.drain_requested("relay-b").await.unwrap());
    assert!(!api.node.store.drain_requested(THIS).await.unwrap());
    assert_eq!(api.node.handle.node_state(), NodeState::Running);
    api.stop().await;
}

#[tokio::test]
async fn draining_or_resuming_an_unknown_node_is_a_404_naming_it() {
    let api = start().await;
    for action in ["drain", "resume"] {
        let (status, body) = api.post(&format!("/api/v1/nodes/relay-q/{action}")).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"]["kind"], "not_found");
        assert_eq!(body["error"]["id"], "relay-q");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("relay-q"), "{message}");
    }
    api.stop().await;
}

#[tokio::test]
async fn a_read_only_token_lists_the_nodes_but_cannot_drain_one() {
    let api = start().await;
    let new = json!({ "name": "watcher", "scope": "read" });
    let (status, created) = api.send(Method::POST, "/api/v1/tokens", Some(&new)).await;
    assert_eq!(status, 201, "{created}");
    let token = created["token"].as_str().unwrap();
    let (status, _) = api.send_as(token, Method::GET, "/api/v1/nodes", None).await;
    assert_eq!(status, 200);
    let drain = format!("/api/v1/nodes/{THIS}/drain");
    let (status, body) = api.send_as(token, Method::POST, &drain, None).await;
    assert_eq!(status, 403, "{body}");
    assert!(!api.node.store.drain_requested(THIS).await.unwrap());
    api.stop().await;
}
