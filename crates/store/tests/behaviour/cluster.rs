//! Work done once per cluster: a lease per kind of work, held by one node
//! until it runs out or its node steps down.

use crate::backends::every_backend;
use crate::common::*;
use mailflow_store::ClusterStore;
use std::time::Duration;

const TTL: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_lease_is_held_by_one_node_until_it_runs_out_or_is_given_up() {
    for backend in every_backend().await {
        let name = backend.name();
        let store = backend.cluster();
        assert!(
            store.lead("alerts", "a", t0(), TTL).await.unwrap(),
            "{name}"
        );
        assert!(
            store
                .lead("alerts", "a", t0() + minutes(0), TTL)
                .await
                .unwrap(),
            "{name}: the holder renews"
        );
        assert!(
            !store.lead("alerts", "b", t0(), TTL).await.unwrap(),
            "{name}: another node does not get a held lease"
        );
        assert!(
            store.lead("retention", "b", t0(), TTL).await.unwrap(),
            "{name}: leases are per kind of work"
        );
        assert_eq!(
            store.leader("alerts", t0()).await.unwrap().as_deref(),
            Some("a"),
            "{name}"
        );
        let later = t0() + TTL;
        assert_eq!(store.leader("alerts", later).await.unwrap(), None, "{name}");
        assert!(
            store.lead("alerts", "b", later, TTL).await.unwrap(),
            "{name}: a lease that ran out is taken over"
        );
        store.step_down("alerts", "a").await.unwrap();
        assert_eq!(
            store.leader("alerts", later).await.unwrap().as_deref(),
            Some("b"),
            "{name}: only the holder can give a lease up"
        );
        store.step_down("alerts", "b").await.unwrap();
        assert!(
            store.lead("alerts", "a", later, TTL).await.unwrap(),
            "{name}: a lease given up is free at once"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_nodes_asking_at_once_exactly_one_leads() {
    for backend in every_backend().await {
        let Some(other) = backend.second_node().await else {
            continue;
        };
        let stores = [backend.cluster(), other as std::sync::Arc<dyn ClusterStore>];
        let mut asks = tokio::task::JoinSet::new();
        for node in 0..16 {
            let store = stores[node % 2].clone();
            asks.spawn(async move {
                store
                    .lead("owed-reports", &format!("node-{node}"), t0(), TTL)
                    .await
                    .unwrap()
            });
        }
        let leaders = asks.join_all().await.into_iter().filter(|led| *led).count();
        assert_eq!(leaders, 1);
    }
}
