//! Operator work in the store: suspend, resume, retry-now and the
//! waiting-recipient listing on a connector's queue.

use crate::common::*;
use mailflow_core::{Event, EventKind, RecipientState};
use mailflow_store::{InsightStore, NextHopHold, OperatorStore, QueueStore};

#[tokio::test]
async fn suspend_and_resume_act_on_one_connectors_waiting_recipients() {
    let t = open_store().await;
    let mixed = message(
        t0(),
        "alice@acme.test",
        vec![
            recipient("bob@acme.test", Some("onprem")),
            recipient("carol@example.test", Some("partner")),
        ],
    );
    let id = mixed.id;
    t.store.accept_message(mixed).await.unwrap();

    let suspended = t
        .store
        .suspend_connector_queue("acme", "onprem", t0(), "admin")
        .await
        .unwrap();
    assert_eq!(suspended, 1);
    let states = states(&t, id).await;
    assert_eq!(states, [RecipientState::Suspended, RecipientState::Queued]);
    let due = t.store.due_next_hops(t0(), COUNT_ALL).await.unwrap();
    assert_eq!(
        due.iter().map(|d| d.next_hop.as_str()).collect::<Vec<_>>(),
        ["partner"]
    );
    assert_eq!(
        t.store
            .suspend_connector_queue("other-org", "partner", t0(), "admin")
            .await
            .unwrap(),
        0,
        "another organisation's queue is not touched"
    );

    let later = t0() + minutes(3);
    assert_eq!(
        t.store
            .resume_connector_queue("acme", "onprem", later, "admin")
            .await
            .unwrap(),
        1
    );
    let message = t.store.message(id).await.unwrap().unwrap();
    assert_eq!(message.recipients[0].state, RecipientState::Queued);
    assert_eq!(message.recipients[0].next_attempt_at, Some(later));

    // Each move is in the trace of the recipient it moved, and only of it.
    let operator_event = |at, action: &str| Event {
        at,
        message_id: id,
        recipient: Some("bob@acme.test".into()),
        next_hop: Some("onprem".into()),
        connector: Some("onprem".into()),
        kind: EventKind::Operator {
            action: action.into(),
            actor: "admin".into(),
        },
    };
    let operator_events: Vec<Event> = t
        .store
        .events(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|event| matches!(event.kind, EventKind::Operator { .. }))
        .collect();
    assert_eq!(
        operator_events,
        [
            operator_event(t0(), "suspend"),
            operator_event(later, "resume")
        ]
    );
}

#[tokio::test]
async fn resume_keeps_a_held_next_hop_waiting_until_its_hold_ends() {
    let t = open_store().await;
    let queued = onprem_message(t0(), "bob@acme.test");
    let id = queued.id;
    t.store.accept_message(queued).await.unwrap();
    t.store
        .suspend_connector_queue("acme", "onprem", t0(), "admin")
        .await
        .unwrap();
    let until = t0() + minutes(30);
    t.store
        .hold_next_hop(NextHopHold {
            next_hop: "onprem".into(),
            until,
            failures: 2,
            diagnosis: refused(),
        })
        .await
        .unwrap();

    t.store
        .resume_connector_queue("acme", "onprem", t0(), "admin")
        .await
        .unwrap();
    let message = t.store.message(id).await.unwrap().unwrap();
    assert_eq!(message.recipients[0].next_attempt_at, Some(until));
}

#[tokio::test]
async fn retry_now_lifts_the_connectors_holds_and_makes_its_recipients_due() {
    let t = open_store().await;
    let queued = onprem_message(t0(), "bob@acme.test");
    let id = queued.id;
    t.store.accept_message(queued).await.unwrap();
    let until = t0() + minutes(60);
    t.store
        .hold_next_hop(NextHopHold {
            next_hop: "onprem".into(),
            until,
            failures: 3,
            diagnosis: refused(),
        })
        .await
        .unwrap();
    assert!(
        t.store
            .due_next_hops(t0() + minutes(1), COUNT_ALL)
            .await
            .unwrap()
            .is_empty()
    );

    let now = t0() + minutes(1);
    assert_eq!(
        t.store
            .retry_connector_now("acme", "onprem", now, "admin")
            .await
            .unwrap(),
        1
    );
    assert!(t.store.next_hop_hold("onprem").await.unwrap().is_none());
    let due = t.store.due_next_hops(now, COUNT_ALL).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].next_hop, "onprem");
    // Due already before the hold, it keeps its place: nothing to rewrite.
    let message = t.store.message(id).await.unwrap().unwrap();
    assert_eq!(message.recipients[0].next_attempt_at, Some(t0()));
    let claimed = t.store.claim("onprem", now, "a", LEASE, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|m| m.id).collect::<Vec<_>>(), vec![id]);
}

#[tokio::test]
async fn waiting_recipients_are_counted_per_connector_and_state_in_one_organisation() {
    let t = open_store().await;
    let first = message(
        t0(),
        "alice@acme.test",
        vec![
            recipient("bob@acme.test", Some("onprem")),
            recipient("carol@example.test", Some("partner")),
            recipient("dave@acme.test", Some("onprem")),
        ],
    );
    let id = first.id;
    t.store.accept_message(first).await.unwrap();
    t.store
        .record(vec![delivery(id, 2, t0())], vec![])
        .await
        .unwrap();
    t.store
        .suspend_connector_queue("acme", "partner", t0(), "admin")
        .await
        .unwrap();

    let counts = t.store.waiting_counts("acme").await.unwrap();
    let counts: Vec<_> = counts
        .iter()
        .map(|c| (c.connector.as_deref(), c.state, c.recipients))
        .collect();
    assert_eq!(
        counts,
        [
            (Some("onprem"), RecipientState::Queued, 1),
            (Some("partner"), RecipientState::Suspended, 1)
        ],
        "the delivered recipient is not waiting"
    );
    assert!(t.store.waiting_counts("other").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_connectors_waiting_recipients_come_page_by_page_each_once_across_states() {
    let t = open_store().await;
    let accept = |i: usize| {
        message(
            t0(),
            "alice@acme.test",
            vec![
                recipient(&format!("u{i}@acme.test"), Some("onprem")),
                recipient(&format!("p{i}@example.test"), Some("partner")),
            ],
        )
    };
    // Three suspended, then four queued of which two are deferred and one
    // is in flight (not waiting).
    for i in 0..3 {
        t.store.accept_message(accept(i)).await.unwrap();
    }
    t.store
        .suspend_connector_queue("acme", "onprem", t0(), "admin")
        .await
        .unwrap();
    for i in 3..7 {
        t.store.accept_message(accept(i)).await.unwrap();
    }
    let claimed = t.store.claim("onprem", t0(), "a", LEASE, 2).await.unwrap();
    let retry_at = t0() + minutes(10);
    let deferrals = claimed
        .iter()
        .map(|m| deferral(m.id, 0, t0(), retry_at))
        .collect();
    t.store.record(deferrals, vec![]).await.unwrap();
    t.store.claim("onprem", t0(), "a", LEASE, 1).await.unwrap();

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = t
            .store
            .waiting_recipients("acme", "onprem", after, 2)
            .await
            .unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some(last.cursor());
        assert!(
            page.iter()
                .all(|r| r.connector.as_deref() == Some("onprem"))
        );
        seen.extend(page.iter().map(|r| (r.message_id, r.index, r.state)));
    }
    let states: Vec<_> = seen.iter().map(|(_, _, state)| *state).collect();
    use RecipientState::{Deferred, Queued, Suspended};
    assert_eq!(
        states,
        [Deferred, Deferred, Queued, Suspended, Suspended, Suspended],
        "each waiting one once, state by state"
    );
    let mut ids: Vec<_> = seen.iter().map(|(id, index, _)| (*id, *index)).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6);
    assert!(
        t.store
            .waiting_recipients("other", "onprem", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn states(t: &TestStore, id: mailflow_core::MessageId) -> Vec<RecipientState> {
    let message = t.store.message(id).await.unwrap().unwrap();
    message.recipients.iter().map(|r| r.state).collect()
}

#[tokio::test]
async fn waiting_counts_follow_suspend_resume_and_delivery() {
    let t = open_store().await;
    for _ in 0..3 {
        let m = message(
            t0(),
            "alice@acme.test",
            vec![recipient("bob@acme.test", Some("onprem"))],
        );
        t.store.accept_message(m).await.unwrap();
    }
    assert_eq!(waiting_by_state(&t).await, [(RecipientState::Queued, 3)]);

    t.store
        .suspend_connector_queue("acme", "onprem", t0(), "admin")
        .await
        .unwrap();
    assert_eq!(waiting_by_state(&t).await, [(RecipientState::Suspended, 3)]);

    t.store
        .resume_connector_queue("acme", "onprem", t0(), "admin")
        .await
        .unwrap();
    assert_eq!(waiting_by_state(&t).await, [(RecipientState::Queued, 3)]);

    let claimed = t.store.claim("onprem", t0(), "a", LEASE, 1).await.unwrap();
    assert_eq!(
        waiting_by_state(&t).await,
        [(RecipientState::Queued, 2)],
        "in flight is not waiting"
    );
    t.store
        .record(vec![delivery(claimed[0].id, 0, t0())], vec![])
        .await
        .unwrap();
    assert_eq!(waiting_by_state(&t).await, [(RecipientState::Queued, 2)]);
}

#[tokio::test]
async fn waiting_addresses_are_distinct_per_domain_and_counted_per_address() {
    let t = open_store().await;
    let to = |addresses: &[&str]| {
        message(
            t0(),
            "alice@example.test",
            addresses
                .iter()
                .map(|a| recipient(a, Some("onprem")))
                .collect(),
        )
    };
    for addresses in [
        &["Bob@acme.test", "carol@acme.test"][..],
        &["bob@acme.test"],
        &["dave@acme.test", "erin@other.test"],
    ] {
        t.store.accept_message(to(addresses)).await.unwrap();
    }
    let addresses = t
        .store
        .waiting_addresses("acme", "onprem", "ACME.test", None, 10)
        .await
        .unwrap();
    assert_eq!(
        addresses,
        ["bob@acme.test", "carol@acme.test", "dave@acme.test"]
    );
    let after = t
        .store
        .waiting_addresses("acme", "onprem", "acme.test", Some("bob@acme.test"), 1)
        .await
        .unwrap();
    assert_eq!(
        after,
        ["carol@acme.test"],
        "a page goes on after its cursor"
    );

    assert_eq!(
        waiting_to(&t, &["BOB@acme.test"]).await,
        2,
        "without regard to case"
    );
    assert_eq!(
        waiting_to(&t, &["bob@acme.test", "dave@acme.test"]).await,
        3
    );
    assert_eq!(
        waiting_to(&t, &["erin@other.test"]).await,
        0,
        "another domain"
    );
    assert!(
        t.store
            .waiting_addresses("other-org", "onprem", "acme.test", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn waiting_by_state(t: &TestStore) -> Vec<(RecipientState, u64)> {
    let counts = t.store.waiting_counts("acme").await.unwrap();
    counts.iter().map(|c| (c.state, c.recipients)).collect()
}

async fn waiting_to(t: &TestStore, addresses: &[&str]) -> u64 {
    let addresses: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
    t.store
        .waiting_to("acme", "onprem", "acme.test", &addresses)
        .await
        .unwrap()
}
