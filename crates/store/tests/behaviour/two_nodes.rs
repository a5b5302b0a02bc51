//! Two nodes on one PostgreSQL database, each with its own pool, as two
//! `mailflow serve` processes would be: what one accepts the other
//! delivers, they never take the same recipient, and a node's leased work
//! passes to the other only once its lease has run out.

use crate::backends::{Backend, every_backend};
use crate::common::*;
use mailflow_store::{BodyStore, ClusterStore, PostgresStore, QueueStore};
use std::collections::HashSet;
use std::sync::Arc;

/// The PostgreSQL back end with a second node's handle on it.
async fn two_nodes() -> (Backend, Arc<PostgresStore>) {
    for backend in every_backend().await {
        if let Some(second) = backend.second_node().await {
            return (backend, second);
        }
    }
    unreachable!("every_backend() includes PostgreSQL")
}

#[tokio::test]
async fn mail_accepted_by_one_node_is_claimed_with_its_body_by_the_other() {
    let (first, second) = two_nodes().await;
    let m = onprem_message(t0(), "bob@acme.test");
    first.queue().accept_message(m.clone()).await.unwrap();

    let claimed = second.claim("onprem", t0(), "b", LEASE, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, m.id);
    assert_eq!(second.body(m.id).await.unwrap(), Some(m.body.to_vec()));
    assert!(
        first
            .queue()
            .claim("onprem", t0(), "a", LEASE, 10)
            .await
            .unwrap()
            .is_empty(),
        "the first node finds it taken"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_claiming_at_once_take_every_recipient_exactly_once() {
    let (first, second) = two_nodes().await;
    let queue = first.queue();
    for i in 0..100 {
        let m = message(
            t0(),
            "alice@acme.test",
            vec![
                recipient(&format!("u{i}@acme.test"), Some("onprem")),
                recipient(&format!("v{i}@acme.test"), Some("onprem")),
            ],
        );
        queue.accept_message(m).await.unwrap();
    }
    let nodes: [Arc<dyn QueueStore>; 2] = [queue.clone(), second];
    let mut claimers = tokio::task::JoinSet::new();
    for (n, store) in nodes.into_iter().enumerate() {
        for worker in 0..3 {
            let store = store.clone();
            claimers.spawn(async move {
                let node = format!("node-{n}-{worker}");
                let mut taken = Vec::new();
                // Bounded: 200 recipients, at least one per non-empty claim.
                for _ in 0..200 {
                    let claimed = store.claim("onprem", t0(), &node, LEASE, 5).await.unwrap();
                    if claimed.is_empty() {
                        break;
                    }
                    for m in claimed {
                        taken.extend(m.recipients.iter().map(|r| (m.id, r.index)));
                    }
                }
                taken
            });
        }
    }
    let taken: Vec<_> = claimers.join_all().await.into_iter().flatten().collect();
    let distinct: HashSet<_> = taken.iter().copied().collect();
    assert_eq!(distinct.len(), taken.len(), "no recipient claimed twice");
    // A claimer that found every due row locked by others stops early; what
    // is left is claimed by one more look.
    let rest = queue
        .claim("onprem", t0(), "late", LEASE, 500)
        .await
        .unwrap();
    let rest: usize = rest.iter().map(|m| m.recipients.len()).sum();
    assert_eq!(taken.len() + rest, 200, "every recipient claimed");
}

#[tokio::test]
async fn leased_work_passes_to_another_node_only_after_the_lease_runs_out() {
    let (first, second) = two_nodes().await;
    let m = onprem_message(t0(), "bob@acme.test");
    first.queue().accept_message(m.clone()).await.unwrap();
    first
        .queue()
        .claim("onprem", t0(), "a", LEASE, 10)
        .await
        .unwrap();

    let lease_end = t0() + LEASE;
    assert_eq!(
        second
            .recover_in_flight("b", lease_end - minutes(1))
            .await
            .unwrap(),
        0,
        "a lease that runs is left alone"
    );
    // The first node is still delivering: it renews.
    let renewed_end = lease_end + LEASE;
    assert_eq!(
        first.queue().renew_leases("a", renewed_end).await.unwrap(),
        1
    );
    assert_eq!(
        second
            .recover_in_flight("b", lease_end + minutes(1))
            .await
            .unwrap(),
        0,
        "a renewed lease is left alone"
    );
    // The first node died: its lease runs out and the second takes the work.
    assert_eq!(
        second
            .recover_in_flight("b", renewed_end + minutes(1))
            .await
            .unwrap(),
        1
    );
    let claimed = second
        .claim("onprem", renewed_end + minutes(1), "b", LEASE, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, m.id);
}

#[tokio::test]
async fn a_node_hears_when_another_accepts_mail_or_saves_settings() {
    let (first, second) = two_nodes().await;
    let mut changes = second.changes().expect("a shared store tells of changes");
    // The listening connection is up once a first notice gets through.
    let wait = std::time::Duration::from_secs(10);
    let queue = first.queue();
    tokio::time::timeout(wait, async {
        loop {
            queue
                .accept_message(onprem_message(t0(), "bob@acme.test"))
                .await
                .unwrap();
            if tokio::time::timeout(
                std::time::Duration::from_millis(200),
                changes.queue.changed(),
            )
            .await
            .is_ok()
            {
                break;
            }
        }
    })
    .await
    .expect("the second node hears of mail the first accepted");

    changes.settings.mark_unchanged();
    let settings = first.settings();
    settings
        .save_org_settings("acme", &mailflow_core::OrgSettings::default())
        .await
        .unwrap();
    tokio::time::timeout(wait, changes.settings.changed())
        .await
        .expect("the second node hears of saved settings")
        .unwrap();
}

#[tokio::test]
async fn the_embedded_store_tells_of_no_changes_from_elsewhere() {
    for backend in every_backend().await {
        if backend.second_node().await.is_none() {
            assert!(backend.cluster().changes().is_none());
        }
    }
}

#[tokio::test]
async fn a_sweep_takes_back_only_leases_that_ran_out_whichever_node_held_them() {
    let (first, second) = two_nodes().await;
    let queue = first.queue();
    for address in ["a@acme.test", "b@acme.test"] {
        queue
            .accept_message(onprem_message(t0(), address))
            .await
            .unwrap();
    }
    queue.claim("onprem", t0(), "a", LEASE, 1).await.unwrap();
    second
        .claim("onprem", t0() + minutes(2), "b", LEASE, 1)
        .await
        .unwrap();
    // Past the first lease only: the second node's own claim stays.
    let after_first = t0() + LEASE + minutes(1);
    assert_eq!(second.recover_expired_leases(after_first).await.unwrap(), 1);
    let claimed = second
        .claim("onprem", after_first, "b", LEASE, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "the first node's work is due again");
}
