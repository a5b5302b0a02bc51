//! Operator work in the store: suspend, resume, retry-now and the
//! waiting-recipient listing on a connector's queue.

use crate::backends::every_backend;
use crate::common::*;
use mailflow_core::{Event, EventKind, RecipientState};
use mailflow_store::{NextHopHold, OperatorStore, Store};

#[tokio::test]
async fn suspend_and_resume_act_on_one_connectors_waiting_recipients() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let mixed = message(
            t0(),
            "alice@acme.test",
            vec![
                recipient("bob@acme.test", Some("onprem")),
                recipient("carol@example.test", Some("partner")),
            ],
        );
        let id = mixed.id;
        store.accept_message(mixed).await.unwrap();

        let suspended = store
            .suspend_connector_queue("acme", "onprem", t0(), "admin")
            .await
            .unwrap();
        assert_eq!(suspended, 1, "{name}");
        let states = states(&*store, id).await;
        assert_eq!(
            states,
            [RecipientState::Suspended, RecipientState::Queued],
            "{name}"
        );
        let due = store.due_next_hops(t0(), COUNT_ALL).await.unwrap();
        assert_eq!(
            due.iter().map(|d| d.next_hop.as_str()).collect::<Vec<_>>(),
            ["partner"],
            "{name}"
        );
        assert_eq!(
            store
                .suspend_connector_queue("other-org", "partner", t0(), "admin")
                .await
                .unwrap(),
            0,
            "{name}: another organisation's queue is not touched"
        );

        let later = t0() + minutes(3);
        assert_eq!(
            store
                .resume_connector_queue("acme", "onprem", later, "admin")
                .await
                .unwrap(),
            1,
            "{name}"
        );
        let message = store.message(id).await.unwrap().unwrap();
        assert_eq!(
            message.recipients[0].state,
            RecipientState::Queued,
            "{name}"
        );
        assert_eq!(message.recipients[0].next_attempt_at, Some(later), "{name}");

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
        let operator_events: Vec<Event> = store
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
            ],
            "{name}"
        );
    }
}

#[tokio::test]
async fn resume_keeps_a_held_next_hop_waiting_until_its_hold_ends() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let queued = onprem_message(t0(), "bob@acme.test");
        let id = queued.id;
        store.accept_message(queued).await.unwrap();
        store
            .suspend_connector_queue("acme", "onprem", t0(), "admin")
            .await
            .unwrap();
        let until = t0() + minutes(30);
        store
            .hold_next_hop(NextHopHold {
                next_hop: "onprem".into(),
                until,
                failures: 2,
                diagnosis: refused(),
            })
            .await
            .unwrap();

        store
            .resume_connector_queue("acme", "onprem", t0(), "admin")
            .await
            .unwrap();
        let message = store.message(id).await.unwrap().unwrap();
        assert_eq!(message.recipients[0].next_attempt_at, Some(until), "{name}");
    }
}

#[tokio::test]
async fn retry_now_lifts_the_connectors_holds_and_makes_its_recipients_due() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let queued = onprem_message(t0(), "bob@acme.test");
        let id = queued.id;
        store.accept_message(queued).await.unwrap();
        let until = t0() + minutes(60);
        store
            .hold_next_hop(NextHopHold {
                next_hop: "onprem".into(),
                until,
                failures: 3,
                diagnosis: refused(),
            })
            .await
            .unwrap();
        assert!(
            store
                .due_next_hops(t0() + minutes(1), COUNT_ALL)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );

        let now = t0() + minutes(1);
        assert_eq!(
            store
                .retry_connector_now("acme", "onprem", now, "admin")
                .await
                .unwrap(),
            1,
            "{name}"
        );
        assert!(
            store.next_hop_hold("onprem").await.unwrap().is_none(),
            "{name}"
        );
        let due = store.due_next_hops(now, COUNT_ALL).await.unwrap();
        assert_eq!(due.len(), 1, "{name}");
        assert_eq!(due[0].next_hop, "onprem", "{name}");
        // Due already before the hold, it keeps its place: nothing to rewrite.
        let message = store.message(id).await.unwrap().unwrap();
        assert_eq!(message.recipients[0].next_attempt_at, Some(t0()), "{name}");
        let claimed = store.claim("onprem", now, "a", LEASE, 10).await.unwrap();
        assert_eq!(
            claimed.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![id],
            "{name}"
        );
    }
}

#[tokio::test]
async fn waiting_recipients_are_counted_per_connector_and_state_in_one_organisation() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
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
        store.accept_message(first).await.unwrap();
        store
            .record(vec![delivery(id, 2, t0())], vec![])
            .await
            .unwrap();
        store
            .suspend_connector_queue("acme", "partner", t0(), "admin")
            .await
            .unwrap();

        let counts = store.waiting_counts("acme").await.unwrap();
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
            "{name}: the delivered recipient is not waiting"
        );
        assert!(
            store.waiting_counts("other").await.unwrap().is_empty(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_connectors_waiting_recipients_come_page_by_page_each_once_across_states() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
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
            store.accept_message(accept(i)).await.unwrap();
        }
        store
            .suspend_connector_queue("acme", "onprem", t0(), "admin")
            .await
            .unwrap();
        for i in 3..7 {
            store.accept_message(accept(i)).await.unwrap();
        }
        let claimed = store.claim("onprem", t0(), "a", LEASE, 2).await.unwrap();
        let retry_at = t0() + minutes(10);
        let deferrals = claimed
            .iter()
            .map(|m| deferral(m.id, 0, t0(), retry_at))
            .collect();
        store.record(deferrals, vec![]).await.unwrap();
        store.claim("onprem", t0(), "a", LEASE, 1).await.unwrap();

        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .waiting_recipients("acme", "onprem", after, 2)
                .await
                .unwrap();
            assert!(page.len() <= 2, "{name}");
            let Some(last) = page.last() else { break };
            after = Some(last.cursor());
            assert!(
                page.iter()
                    .all(|r| r.connector.as_deref() == Some("onprem")),
                "{name}"
            );
            seen.extend(page.iter().map(|r| (r.message_id, r.index, r.state)));
        }
        let states: Vec<_> = seen.iter().map(|(_, _, state)| *state).collect();
        use RecipientState::{Deferred, Queued, Suspended};
        assert_eq!(
            states,
            [Deferred, Deferred, Queued, Suspended, Suspended, Suspended],
            "{name}: each waiting one once, state by state"
        );
        let mut ids: Vec<_> = seen.iter().map(|(id, index, _)| (*id, *index)).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 6, "{name}");
        assert!(
            store
                .waiting_recipients("other", "onprem", None, 10)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
    }
}

async fn states(store: &dyn Store, id: mailflow_core::MessageId) -> Vec<RecipientState> {
    let message = store.message(id).await.unwrap().unwrap();
    message.recipients.iter().map(|r| r.state).collect()
}

#[tokio::test]
async fn waiting_counts_follow_suspend_resume_and_delivery() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        for _ in 0..3 {
            let m = message(
                t0(),
                "alice@acme.test",
                vec![recipient("bob@acme.test", Some("onprem"))],
            );
            store.accept_message(m).await.unwrap();
        }
        assert_eq!(
            waiting_by_state(&*store).await,
            [(RecipientState::Queued, 3)],
            "{name}"
        );

        store
            .suspend_connector_queue("acme", "onprem", t0(), "admin")
            .await
            .unwrap();
        assert_eq!(
            waiting_by_state(&*store).await,
            [(RecipientState::Suspended, 3)],
            "{name}"
        );

        store
            .resume_connector_queue("acme", "onprem", t0(), "admin")
            .await
            .unwrap();
        assert_eq!(
            waiting_by_state(&*store).await,
            [(RecipientState::Queued, 3)],
            "{name}"
        );

        let claimed = store.claim("onprem", t0(), "a", LEASE, 1).await.unwrap();
        assert_eq!(
            waiting_by_state(&*store).await,
            [(RecipientState::Queued, 2)],
            "{name}: in flight is not waiting"
        );
        store
            .record(vec![delivery(claimed[0].id, 0, t0())], vec![])
            .await
            .unwrap();
        assert_eq!(
            waiting_by_state(&*store).await,
            [(RecipientState::Queued, 2)],
            "{name}"
        );
    }
}

#[tokio::test]
async fn waiting_addresses_are_distinct_per_domain_and_counted_per_address() {
    for backend in every_backend().await {
        let (name, queue, operator) = (backend.name(), backend.queue(), backend.operator());
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
            queue.accept_message(to(addresses)).await.unwrap();
        }
        let addresses = operator
            .waiting_addresses("acme", "onprem", "ACME.test", None, 10)
            .await
            .unwrap();
        assert_eq!(
            addresses,
            ["bob@acme.test", "carol@acme.test", "dave@acme.test"],
            "{name}"
        );
        let after = operator
            .waiting_addresses("acme", "onprem", "acme.test", Some("bob@acme.test"), 1)
            .await
            .unwrap();
        assert_eq!(
            after,
            ["carol@acme.test"],
            "{name}: a page goes on after its cursor"
        );

        assert_eq!(
            waiting_to(&*operator, &["BOB@acme.test"]).await,
            2,
            "{name}: without regard to case"
        );
        assert_eq!(
            waiting_to(&*operator, &["bob@acme.test", "dave@acme.test"]).await,
            3,
            "{name}"
        );
        assert_eq!(
            waiting_to(&*operator, &["erin@other.test"]).await,
            0,
            "{name}: another domain"
        );
        assert!(
            operator
                .waiting_addresses("other-org", "onprem", "acme.test", None, 10)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
    }
}

async fn waiting_by_state(store: &dyn Store) -> Vec<(RecipientState, u64)> {
    let counts = store.waiting_counts("acme").await.unwrap();
    counts.iter().map(|c| (c.state, c.recipients)).collect()
}

async fn waiting_to(store: &dyn OperatorStore, addresses: &[&str]) -> u64 {
    let addresses: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
    store
        .waiting_to("acme", "onprem", "acme.test", &addresses)
        .await
        .unwrap()
}
