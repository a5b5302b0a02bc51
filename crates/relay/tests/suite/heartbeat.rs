//! The heartbeat: written at the start and at each interval of the node's
//! clock, with the node's version and state; a clean stop says so; a drain
//! asked before the start is in force from it; and on the embedded store a
//! fresh heartbeat of the node's own name (a crash a moment ago) does not
//! stop a restart.

use mailflow_relay::{Node, NodeError, NodeState, RunningNode};
use mailflow_store::NodeHeartbeat;
use mailflow_testnode::{TestNode, eventually, org, settings, unused_addr};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

const NODE: &str = "relay.test";

#[tokio::test]
async fn the_node_writes_a_heartbeat_at_the_start_and_at_each_interval_of_its_clock() {
    let node = TestNode::start(org(unused_addr(), unused_addr()), settings()).await;
    let started = node.now();
    let first = node
        .store
        .node(NODE)
        .await
        .unwrap()
        .expect("listed at once");
    assert_eq!(first.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(first.state, NodeState::Running);
    assert_eq!((first.started_at, first.last_seen), (started, started));
    let interval = settings().heartbeat.interval;
    assert_eq!(first.fresh_until, started + interval * 3);

    node.advance(interval);
    let next = started + interval;
    eventually("the second heartbeat is written", || async {
        node.store.node(NODE).await.unwrap().unwrap().last_seen == next
    })
    .await;
    let second = node.store.node(NODE).await.unwrap().unwrap();
    assert_eq!(second.started_at, started);
    assert_eq!(second.fresh_until, next + interval * 3);
    assert!(!second.is_missing(next + interval * 2));
    assert!(second.is_missing(next + interval * 3));
    node.stop().await;
}

#[tokio::test]
async fn a_node_that_stops_cleanly_says_so_in_its_last_heartbeat() {
    let node = TestNode::start(org(unused_addr(), unused_addr()), settings()).await;
    let store = node.store.clone();
    let later = node.now() + Duration::from_secs(3600);
    node.stop().await;
    let stopped = store.node(NODE).await.unwrap().unwrap();
    assert_eq!(stopped.state, NodeState::Stopped);
    assert!(!stopped.is_missing(later), "stopped, not missing");
}

/// A test node stopped, its store left with a fresh heartbeat of its
/// name, as a run killed a moment ago leaves it.
async fn crashed_a_moment_ago() -> TestNode {
    let mut node = TestNode::start(org(unused_addr(), unused_addr()), settings()).await;
    node.node.take().unwrap().shutdown().await;
    let now = node.now();
    node.store
        .write_heartbeat(&NodeHeartbeat {
            name: NODE.into(),
            version: "0.0.1".into(),
            started_at: now,
            at: now,
            fresh_until: now + Duration::from_secs(30),
            state: NodeState::Running,
            admin_addr: None,
        })
        .await
        .unwrap();
    node
}

async fn start_again(node: &TestNode) -> Result<RunningNode, NodeError> {
    Node::start(
        node.settings.clone(),
        node.store.clone(),
        node.clock.clone(),
    )
    .await
}

#[tokio::test]
async fn a_fresh_heartbeat_of_its_own_name_does_not_stop_a_restart_on_the_embedded_store() {
    let node = crashed_a_moment_ago().await;
    assert!(
        !node.store.shared(),
        "the data directory is this process's alone"
    );
    let again = start_again(&node)
        .await
        .expect("an earlier run's heartbeat is no other node");
    let listed = node.store.node(NODE).await.unwrap().unwrap();
    assert_eq!(listed.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(listed.state, NodeState::Running);
    again.shutdown().await;
}

#[tokio::test]
async fn a_drain_asked_before_the_start_is_in_force_from_the_start() {
    let node = crashed_a_moment_ago().await;
    let asked = node.now();
    assert!(
        node.store
            .set_drain_request(NODE, Some(asked))
            .await
            .unwrap()
    );

    let again = start_again(&node).await.unwrap();
    let handle = again.handle();
    assert_ne!(handle.node_state(), NodeState::Running, "from the start");
    let stream = tokio::net::TcpStream::connect(again.smtp_addrs()[0])
        .await
        .unwrap();
    let mut greeting = String::new();
    BufReader::new(stream)
        .read_line(&mut greeting)
        .await
        .unwrap();
    assert!(greeting.starts_with("421 4.3.2 "), "{greeting}");
    let mut state = handle.watch_node_state();
    let drained = state.wait_for(|s| *s == NodeState::Drained);
    tokio::time::timeout(Duration::from_secs(10), drained)
        .await
        .expect("drained in time")
        .unwrap();
    again.shutdown().await;
}
