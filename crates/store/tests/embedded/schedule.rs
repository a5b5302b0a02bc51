//! Scheduling: due next hops, claims, outcomes, holds, wake-ups, recovery
//! and retry-now, all on the injected time passed in.

use crate::common::*;
use mailflow_core::RecipientState;
use mailflow_store::{InsightStore, QueueStore, SqliteStore};

#[tokio::test]
async fn recover_in_flight_requeues_the_crashed_nodes_work_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let m = onprem_message(t0(), "bob@acme.test");
    store.accept_message(m.clone()).await.unwrap();
    assert_eq!(
        store
            .claim("onprem", t0(), "node-a", LEASE, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    drop(store); // a crash: the outcome is never recorded

    let store = reopen(dir.path(), Default::default()).await;
    let stored = store.message(m.id).await.unwrap().unwrap();
    assert_eq!(
        stored.recipients[0].state,
        RecipientState::InFlight,
        "the claim was durable"
    );
    assert!(
        store
            .due_next_hops(t0() + minutes(1), COUNT_ALL)
            .await
            .unwrap()
            .is_empty()
    );

    let restart = t0() + minutes(1);
    assert_eq!(store.recover_in_flight("node-a", restart).await.unwrap(), 1);
    let r = &store.message(m.id).await.unwrap().unwrap().recipients[0];
    assert_eq!(
        (r.state, r.next_attempt_at, r.attempts),
        (RecipientState::Queued, Some(restart), 0)
    );
    let events = store.events(m.id).await.unwrap();
    assert!(
        events.iter().any(|event| event.kind
            == mailflow_core::EventKind::Recovered {
                node: "node-a".into()
            }
            && event.recipient.as_deref() == Some("bob@acme.test")),
        "the trace says the recipient was taken back from node-a: {events:?}"
    );
    assert_eq!(
        store.due_next_hops(restart, COUNT_ALL).await.unwrap()[0].due_recipients,
        1
    );
    assert_eq!(
        store
            .claim("onprem", restart, "node-a", LEASE, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    store.close().await.unwrap();
}
