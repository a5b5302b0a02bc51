//! Queue operations in the store: pages of what a selection picks, a
//! message never split between pages, and actions on chosen recipients
//! with their operator events, in-flight recipients left alone.

use crate::backends::every_backend;
use crate::common::*;
use mailflow_core::{EventKind, MessageId, RecipientState};
use mailflow_store::{ConnectorChoice, QueueAction, QueueSelection, Store};

fn onprem() -> QueueSelection {
    QueueSelection {
        org: "acme".into(),
        connector: Some(ConnectorChoice::Named("onprem".into())),
        ..Default::default()
    }
}

/// Five messages to onprem (two recipients each) and one by MX.
async fn queue(store: &dyn Store) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for n in 0..5 {
        let m = message(
            t0() + minutes(n),
            "alice@acme.test",
            vec![
                recipient(&format!("bob{n}@acme.test"), Some("onprem")),
                recipient(&format!("carol{n}@acme.test"), Some("onprem")),
            ],
        );
        ids.push(m.id);
        store.accept_message(m).await.unwrap();
    }
    let mx = message(
        t0(),
        "alice@acme.test",
        vec![recipient("x@else.test", None)],
    );
    store.accept_message(mx).await.unwrap();
    ids
}

#[tokio::test]
async fn a_selection_is_walked_in_pages_of_whole_messages() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let ids = queue(&*store).await;
        let mut seen = Vec::new();
        let mut after = None;
        let mut pages = 0;
        loop {
            let page = store.select_pending(&onprem(), after, 2).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            pages += 1;
            for message in &page {
                assert_eq!(message.recipients.len(), 2, "{name}: a message comes whole");
                seen.push(message.id);
            }
            assert!(pages < 10, "{name}");
        }
        assert_eq!(seen, ids, "{name}: each message once, in arrival order");

        let one = QueueSelection {
            recipient: Some("CAROL3@acme.test".into()),
            ..onprem()
        };
        let page = store.select_pending(&one, None, 10).await.unwrap();
        assert_eq!(page.len(), 1, "{name}");
        assert_eq!(page[0].recipients[0].address, "carol3@acme.test", "{name}");
        let by_mx = QueueSelection {
            connector: Some(ConnectorChoice::Mx),
            ..onprem()
        };
        assert_eq!(
            store.select_pending(&by_mx, None, 10).await.unwrap().len(),
            1,
            "{name}"
        );
        let old = QueueSelection {
            received_before: Some(t0() + minutes(2)),
            ..onprem()
        };
        assert_eq!(
            store.select_pending(&old, None, 10).await.unwrap().len(),
            2,
            "{name}"
        );
    }
}

#[tokio::test]
async fn actions_change_the_chosen_recipients_with_an_event_each_and_delete_removes_messages() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let ids = queue(&*store).await;
        // bob0 goes in flight: no action touches it.
        let claimed = store
            .claim("onprem", t0() + minutes(10), "node-a", LEASE, 1)
            .await
            .unwrap();
        assert_eq!(claimed[0].id, ids[0], "{name}");
        let chosen = [(ids[0], 0), (ids[0], 1), (ids[1], 0)];
        let now = t0() + minutes(11);
        let suspended = store
            .act_on_recipients(QueueAction::Suspend, &chosen, now, "api:ops")
            .await
            .unwrap();
        let store = &store;
        let states = |id: MessageId| async move {
            let m = store.message(id).await.unwrap().unwrap();
            m.recipients.iter().map(|r| r.state).collect::<Vec<_>>()
        };
        // The claim took the first message whole.
        assert_eq!(suspended, 1, "{name}");
        use RecipientState::{InFlight, Queued, Suspended};
        assert_eq!(states(ids[0]).await, [InFlight, InFlight], "{name}");
        assert_eq!(states(ids[1]).await, [Suspended, Queued], "{name}");
        let events = store.events(ids[1]).await.unwrap();
        let operator: Vec<_> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Operator { action, actor } => Some((
                    e.recipient.clone().unwrap(),
                    action.as_str(),
                    actor.as_str(),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            operator,
            [("bob1@acme.test".to_string(), "suspend", "api:ops")],
            "{name}"
        );

        let deleted = store
            .act_on_recipients(QueueAction::Delete, &[(ids[1], 0), (ids[1], 1)], now, "ops")
            .await
            .unwrap();
        assert_eq!(deleted, 2, "{name}");
        assert_eq!(store.message(ids[1]).await.unwrap(), None, "{name}");
        let partly = store
            .act_on_recipients(QueueAction::Delete, &[(ids[2], 1)], now, "ops")
            .await
            .unwrap();
        assert_eq!(partly, 1, "{name}");
        let left = store.message(ids[2]).await.unwrap().unwrap();
        assert_eq!(left.recipients.len(), 1, "{name}");
        assert_eq!(left.recipients[0].address, "bob2@acme.test", "{name}");
    }
}

#[tokio::test]
async fn pages_keep_arrival_order_across_states() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let ids = queue(&*store).await;
        // Messages 1 and 3 suspended, the others queued: states interleave.
        let chosen = [(ids[1], 0), (ids[1], 1), (ids[3], 0), (ids[3], 1)];
        let suspended = store
            .act_on_recipients(QueueAction::Suspend, &chosen, t0(), "ops")
            .await
            .unwrap();
        assert_eq!(suspended, 4, "{name}");
        for selection in [
            onprem(),
            QueueSelection {
                connector: None,
                ..onprem()
            },
        ] {
            let mut seen = Vec::new();
            let mut after = None;
            for _ in 0..10 {
                let page = store.select_pending(&selection, after, 2).await.unwrap();
                let Some(last) = page.last() else { break };
                after = Some(last.id);
                seen.extend(page.iter().map(|m| m.id));
            }
            assert_eq!(&seen[..5], &ids[..], "{name}: {selection:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_whose_last_recipients_are_deleted_and_delivered_at_once_stops_waiting() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        // Each message: one recipient waiting for onprem, one in flight to
        // the partner.
        let mut ids = Vec::new();
        for n in 0..40 {
            let m = message(
                t0(),
                "alice@acme.test",
                vec![
                    recipient(&format!("bob{n}@acme.test"), Some("onprem")),
                    recipient(&format!("carol{n}@example.test"), Some("partner")),
                ],
            );
            ids.push(m.id);
            store.accept_message(m).await.unwrap();
        }
        let claimed = store
            .claim("partner", t0(), "node-a", LEASE, 40)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 40, "{name}");

        let mut at_once = tokio::task::JoinSet::new();
        for id in ids.clone() {
            let deleting = std::sync::Arc::clone(&store);
            at_once.spawn(async move {
                let deleted = deleting
                    .act_on_recipients(QueueAction::Delete, &[(id, 0)], t0(), "ops")
                    .await
                    .unwrap();
                assert_eq!(deleted, 1);
            });
            let recording = std::sync::Arc::clone(&store);
            at_once.spawn(async move {
                recording
                    .record(vec![delivery(id, 1, t0())], vec![])
                    .await
                    .unwrap();
            });
        }
        while let Some(done) = at_once.join_next().await {
            done.unwrap_or_else(|e| panic!("{name}: {e}"));
        }

        // No message waits any more: retention takes every one.
        assert_eq!(
            store.prune_messages(t0() + minutes(1)).await.unwrap(),
            40,
            "{name}: every message stopped waiting"
        );
        assert!(backend.pending_from_rows("acme").await.is_empty(), "{name}");
        assert!(
            store.queue_stats("acme").await.unwrap().is_empty(),
            "{name}"
        );
        assert!(
            store.waiting_counts("acme").await.unwrap().is_empty(),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connectors_suspension_beside_outcomes_being_recorded_keeps_the_counts() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        for n in 0..60 {
            let m = onprem_message(t0() + minutes(n), &format!("bob{n}@acme.test"));
            store.accept_message(m).await.unwrap();
        }
        // Half in flight; the other half waits.
        let claimed = store
            .claim("onprem", t0() + minutes(60), "node-a", LEASE, 30)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 30, "{name}");

        let suspending = std::sync::Arc::clone(&store);
        let suspension = tokio::spawn(async move {
            suspending
                .suspend_connector_queue("acme", "onprem", t0() + minutes(61), "admin")
                .await
                .unwrap()
        });
        let mut records = tokio::task::JoinSet::new();
        for m in &claimed {
            let recording = std::sync::Arc::clone(&store);
            let update = deferral(m.id, 0, t0() + minutes(61), t0() + minutes(70));
            records.spawn(async move { recording.record(vec![update], vec![]).await.unwrap() });
        }
        while let Some(done) = records.join_next().await {
            done.unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let suspended = suspension.await.unwrap();
        assert!(
            (30..=60).contains(&suspended),
            "{name}: {suspended} suspended"
        );

        let counts = store.waiting_counts("acme").await.unwrap();
        let by_state: Vec<_> = counts.iter().map(|c| (c.state, c.recipients)).collect();
        let mut expected = vec![(RecipientState::Suspended, suspended)];
        if suspended < 60 {
            expected.insert(0, (RecipientState::Queued, 60 - suspended));
        }
        assert_eq!(by_state, expected, "{name}");
        let rows = backend.pending_from_rows("acme").await;
        assert_eq!(rows.iter().map(|r| r.2).sum::<i64>(), 60, "{name}");
        let stats = store.queue_stats("acme").await.unwrap();
        assert_eq!(stats[0].queued, 60, "{name}");
        assert_eq!(
            stats[0].by_code,
            vec![("4.4.316".to_string(), 30)],
            "{name}"
        );
    }
}
