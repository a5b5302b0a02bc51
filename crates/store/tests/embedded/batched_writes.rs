//! Accepts and outcomes are written many rows to a statement; these tests
//! check that large batches, and a `record` call naming a recipient twice,
//! mean the same as writing each row in turn.

use crate::common::*;
use mailflow_core::RecipientState;
use mailflow_store::{InsightStore, QueueStore};

#[tokio::test]
async fn one_record_call_updates_more_recipients_than_one_statement_holds() {
    let t = open_store().await;
    // 1200 recipients of 600 messages: more rows than one statement takes.
    let mut messages = Vec::new();
    for i in 0..600 {
        let m = message(
            t0(),
            "alice@acme.test",
            vec![
                recipient(&format!("u{i}@acme.test"), Some("onprem")),
                recipient(&format!("v{i}@acme.test"), Some("onprem")),
            ],
        );
        t.store.accept_message(m.clone()).await.unwrap();
        messages.push(m);
    }
    let claimed = t
        .store
        .claim("onprem", t0(), "a", LEASE, 600)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 600);

    let done_at = t0() + minutes(1);
    let retry_at = t0() + minutes(10);
    let mut updates = Vec::new();
    let mut events = Vec::new();
    for m in &messages {
        updates.push(delivery(m.id, 0, done_at));
        updates.push(deferral(m.id, 1, done_at, retry_at));
        events.push(operator_event(m.id, done_at, "attempt"));
    }
    t.store.record(updates, events).await.unwrap();

    for m in [&messages[0], &messages[599]] {
        let stored = t.store.message(m.id).await.unwrap().unwrap();
        assert_eq!(stored.recipients[0].state, RecipientState::Delivered);
        assert_eq!(stored.recipients[1].state, RecipientState::Deferred);
        assert_eq!(stored.recipients[1].next_attempt_at, Some(retry_at));
        assert_eq!(stored.recipients[1].attempts, 1);
        assert_eq!(t.store.events(m.id).await.unwrap().len(), 2);
    }
    t.store.close().await.unwrap();
}

#[tokio::test]
async fn a_recipient_named_twice_in_one_record_call_gets_both_updates_in_order() {
    let t = open_store().await;
    let m = onprem_message(t0(), "bob@acme.test");
    t.store.accept_message(m.clone()).await.unwrap();
    t.store.claim("onprem", t0(), "a", LEASE, 1).await.unwrap();

    let retry_at = t0() + minutes(10);
    let done_at = t0() + minutes(2);
    t.store
        .record(
            vec![
                deferral(m.id, 0, t0(), retry_at),
                delivery(m.id, 0, done_at),
            ],
            vec![],
        )
        .await
        .unwrap();

    let r = &t.store.message(m.id).await.unwrap().unwrap().recipients[0];
    assert_eq!(r.state, RecipientState::Delivered, "the later update wins");
    assert_eq!(r.attempts, 2, "both attempts count");
    assert!(
        r.last_error.is_none(),
        "a delivered recipient keeps no last error (the deferral is in its events)"
    );
    assert_eq!(r.updated_at, done_at);
    t.store.close().await.unwrap();
}

#[tokio::test]
async fn a_message_with_more_recipients_than_one_statement_holds_is_stored_whole() {
    let t = open_store().await;
    let recipients = (0..1500)
        .map(|i| recipient(&format!("u{i}@acme.test"), Some("onprem")))
        .collect();
    let m = message(t0(), "alice@acme.test", recipients);
    t.store.accept_message(m.clone()).await.unwrap();

    let stored = t.store.message(m.id).await.unwrap().unwrap();
    assert_eq!(stored.recipients.len(), 1500);
    assert_eq!(stored.recipients[1499].address, "u1499@acme.test");
    let claimed = t.store.claim("onprem", t0(), "a", LEASE, 1).await.unwrap();
    assert_eq!(claimed[0].recipients.len(), 1500);
    t.store.close().await.unwrap();
}
