//! Node status: heartbeats add and update a node, drain requests stay
//! until withdrawn whatever the node writes, a node is missing three
//! intervals after its last heartbeat, a fresh name is taken only in a
//! shared store, and each node counts the recipients it holds in flight.

use crate::backends::every_backend;
use crate::common::{onprem_message, t0};
use mailflow_store::{NodeHeartbeat, NodeState, NodeStatus};
use std::time::Duration;
use time::OffsetDateTime;

const INTERVAL: time::Duration = time::Duration::seconds(10);

fn heartbeat(name: &str, at: OffsetDateTime, state: NodeState) -> NodeHeartbeat {
    NodeHeartbeat {
        name: name.into(),
        version: "0.1.0".into(),
        started_at: t0(),
        at,
        fresh_until: at + INTERVAL * 3,
        state,
        admin_addr: Some(format!("http://{name}.test:8025")),
    }
}

#[tokio::test]
async fn a_heartbeat_adds_the_node_and_later_ones_update_it() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.nodes());
        assert!(store.nodes().await.unwrap().is_empty(), "{name}");
        store
            .write_heartbeat(&heartbeat("relay-b", t0(), NodeState::Running))
            .await
            .unwrap();
        store
            .write_heartbeat(&heartbeat("relay-a", t0(), NodeState::Running))
            .await
            .unwrap();
        let later = t0() + INTERVAL;
        let mut beat = heartbeat("relay-b", later, NodeState::Draining);
        beat.version = "0.2.0".into();
        beat.admin_addr = None;
        store.write_heartbeat(&beat).await.unwrap();

        let nodes = store.nodes().await.unwrap();
        let names: Vec<_> = nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["relay-a", "relay-b"], "{name}: by name");
        let expected = NodeStatus {
            name: "relay-b".into(),
            version: "0.2.0".into(),
            started_at: t0(),
            last_seen: later,
            fresh_until: later + INTERVAL * 3,
            state: NodeState::Draining,
            admin_addr: None,
            drain_requested_at: None,
            in_flight: 0,
        };
        assert_eq!(nodes[1], expected, "{name}");
        assert_eq!(
            store.node("relay-b").await.unwrap(),
            Some(expected),
            "{name}"
        );
        assert_eq!(store.node("relay-c").await.unwrap(), None, "{name}");
    }
}

#[tokio::test]
async fn a_drain_request_stays_across_heartbeats_until_it_is_withdrawn() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.nodes());
        assert!(
            !store
                .set_drain_request("relay-a", Some(t0()))
                .await
                .unwrap(),
            "{name}: an unknown node cannot be drained"
        );
        store
            .write_heartbeat(&heartbeat("relay-a", t0(), NodeState::Running))
            .await
            .unwrap();
        assert!(!store.drain_requested("relay-a").await.unwrap(), "{name}");

        let asked = t0() + time::Duration::seconds(3);
        assert!(
            store
                .set_drain_request("relay-a", Some(asked))
                .await
                .unwrap()
        );
        let beat = heartbeat("relay-a", t0() + INTERVAL, NodeState::Running);
        store.write_heartbeat(&beat).await.unwrap();
        assert!(
            store.drain_requested("relay-a").await.unwrap(),
            "{name}: a heartbeat leaves the request alone"
        );
        let node = store.node("relay-a").await.unwrap().unwrap();
        assert_eq!(node.drain_requested_at, Some(asked), "{name}");

        assert!(store.set_drain_request("relay-a", None).await.unwrap());
        assert!(
            !store.drain_requested("relay-a").await.unwrap(),
            "{name}: resumed"
        );
        assert!(
            !store.drain_requested("relay-z").await.unwrap(),
            "{name}: nothing is asked of an unknown node"
        );
    }
}

#[tokio::test]
async fn a_node_is_missing_three_intervals_after_its_last_heartbeat_unless_it_stopped() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.nodes());
        store
            .write_heartbeat(&heartbeat("relay-a", t0(), NodeState::Running))
            .await
            .unwrap();
        store
            .write_heartbeat(&heartbeat("relay-b", t0(), NodeState::Stopped))
            .await
            .unwrap();
        let running = store.node("relay-a").await.unwrap().unwrap();
        let stopped = store.node("relay-b").await.unwrap().unwrap();
        let nearly = t0() + INTERVAL * 3 - time::Duration::NANOSECOND;
        assert!(!running.is_missing(nearly), "{name}");
        assert!(running.is_missing(t0() + INTERVAL * 3), "{name}");
        assert!(
            !stopped.is_missing(t0() + INTERVAL * 100),
            "{name}: a node that said it stopped is not missing"
        );
    }
}

#[tokio::test]
async fn a_name_with_a_fresh_heartbeat_is_running_elsewhere_only_in_a_shared_store() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.nodes());
        store
            .write_heartbeat(&heartbeat("relay-a", t0(), NodeState::Running))
            .await
            .unwrap();
        store
            .write_heartbeat(&heartbeat("relay-b", t0(), NodeState::Stopped))
            .await
            .unwrap();
        let soon = t0() + INTERVAL;
        let found = store.running_elsewhere("relay-a", soon).await.unwrap();
        if store.shared() {
            assert_eq!(found.map(|n| n.name), Some("relay-a".into()), "{name}");
        } else {
            assert_eq!(
                found, None,
                "{name}: the embedded store's earlier heartbeats are an earlier run's"
            );
        }
        let stale = t0() + INTERVAL * 3;
        assert_eq!(
            store.running_elsewhere("relay-a", stale).await.unwrap(),
            None,
            "{name}: a stale heartbeat frees the name"
        );
        assert_eq!(
            store.running_elsewhere("relay-b", soon).await.unwrap(),
            None,
            "{name}: a node that stopped frees its name at once"
        );
        assert_eq!(
            store.running_elsewhere("relay-c", soon).await.unwrap(),
            None,
            "{name}"
        );
    }
    assert_eq!(
        every_backend()
            .await
            .iter()
            .map(|b| (b.name(), b.nodes().shared()))
            .collect::<Vec<_>>(),
        [("sqlite", false), ("postgres", true)]
    );
}

#[tokio::test]
async fn each_node_counts_the_recipients_in_flight_under_its_lease() {
    for backend in every_backend().await {
        let queue = backend.queue();
        let (name, store) = (backend.name(), backend.nodes());
        for node in ["relay-a", "relay-b"] {
            store
                .write_heartbeat(&heartbeat(node, t0(), NodeState::Running))
                .await
                .unwrap();
        }
        let mut two = onprem_message(t0(), "one@contoso.test");
        two.recipients
            .extend(onprem_message(t0(), "two@contoso.test").recipients);
        queue.accept_message(two).await.unwrap();
        queue
            .accept_message(onprem_message(t0(), "three@contoso.test"))
            .await
            .unwrap();
        queue
            .accept_message(onprem_message(t0(), "waits@contoso.test"))
            .await
            .unwrap();
        let lease = Duration::from_secs(300);
        let a = queue
            .claim("onprem", t0(), "relay-a", lease, 2)
            .await
            .unwrap();
        let b = queue
            .claim("onprem", t0(), "relay-b", lease, 1)
            .await
            .unwrap();
        assert_eq!((a.len(), b.len()), (2, 1), "{name}");

        let in_flight = |nodes: Vec<NodeStatus>| -> Vec<(String, u64)> {
            nodes.into_iter().map(|n| (n.name, n.in_flight)).collect()
        };
        assert_eq!(
            in_flight(store.nodes().await.unwrap()),
            [("relay-a".into(), 3), ("relay-b".into(), 1)],
            "{name}"
        );

        let released = a[0].recipients.iter().map(|r| (a[0].id, r.index));
        let released: Vec<_> = released.collect();
        let count = released.len() as u64;
        let given_back = queue
            .release_claims("relay-a", released, t0(), t0())
            .await
            .unwrap();
        assert_eq!(given_back, count, "{name}");
        let node = store.node("relay-a").await.unwrap().unwrap();
        assert_eq!(node.in_flight, 3 - count, "{name}: given back, not held");
    }
}
