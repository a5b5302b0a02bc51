//! Mail flow intelligence in the store: the received event, the queue per
//! connector, outcome counts over a window, the last attempt, the trace,
//! history buckets and retention.

use crate::backends::{Backend, every_backend};
use crate::common::*;
use mailflow_core::{
    AddressResult, Diagnosis, DropKind, DropStage, Event, EventKind, RecipientState, Stage,
};
use mailflow_store::{HistoryBucket, RecipientUpdate, Store, TraceFilter, TracedMessage};
use std::sync::Arc;
use time::OffsetDateTime;

const LEASE_NODE: &str = "node-a";

fn event(id: mailflow_core::MessageId, at: OffsetDateTime, kind: EventKind) -> Event {
    Event {
        at,
        message_id: id,
        recipient: Some("bob@acme.test".into()),
        next_hop: Some("onprem".into()),
        connector: Some("onprem".into()),
        kind,
    }
}

fn deferred_event(id: mailflow_core::MessageId, at: OffsetDateTime) -> Event {
    event(
        id,
        at,
        EventKind::Deferred {
            diagnosis: refused(),
            next_attempt_at: at + minutes(1),
        },
    )
}

fn delivered_event(id: mailflow_core::MessageId, at: OffsetDateTime) -> Event {
    event(
        id,
        at,
        EventKind::Delivered {
            reply: "250 ok".into(),
            server: Some("192.0.2.10:25".into()),
        },
    )
}

/// Claims what is due on `onprem` and defers it with `refused()`.
async fn defer_all(store: &dyn Store, at: OffsetDateTime) {
    let claimed = store
        .claim("onprem", at, LEASE_NODE, LEASE, 100)
        .await
        .unwrap();
    let mut updates: Vec<RecipientUpdate> = Vec::new();
    let mut events = Vec::new();
    for message in &claimed {
        for r in &message.recipients {
            updates.push(deferral(message.id, r.index, at, at + minutes(1)));
            events.push(deferred_event(message.id, at));
        }
    }
    store.record(updates, events).await.unwrap();
}

#[tokio::test]
async fn accepting_a_message_records_its_received_event() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let m = onprem_message(t0(), "bob@acme.test");
        store.accept_message(m.clone()).await.unwrap();
        let events = store.events(m.id).await.unwrap();
        assert_eq!(events.len(), 1, "{name}");
        assert_eq!(events[0].at, t0(), "{name}");
        match &events[0].kind {
            EventKind::Received {
                sender,
                recipients,
                client,
                size,
            } => {
                assert_eq!(sender, "alice@acme.test", "{name}");
                assert_eq!(*recipients, 1, "{name}");
                assert_eq!(client, "192.0.2.1", "{name}");
                assert_eq!(*size, m.body.len() as u64, "{name}");
            }
            other => panic!("{name}: expected a received event, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn queue_stats_count_pending_recipients_per_connector_and_code() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let first = onprem_message(t0(), "a@acme.test");
        let second = onprem_message(t0() + minutes(5), "b@acme.test");
        let by_mx = message(
            t0(),
            "alice@acme.test",
            vec![recipient("c@fabrikam.test", None)],
        );
        for m in [&first, &second, &by_mx] {
            store.accept_message(m.clone()).await.unwrap();
        }
        defer_all(&*store, t0() + minutes(6)).await;
        let third = onprem_message(t0() + minutes(7), "c@acme.test");
        store.accept_message(third).await.unwrap();

        let stats = store.queue_stats("acme").await.unwrap();
        assert_eq!(stats.len(), 2, "{name}: {stats:?}");
        let mx = &stats[0];
        assert_eq!((mx.connector.as_deref(), mx.queued), (None, 1), "{name}");
        assert!(mx.by_code.is_empty() && mx.last_error.is_none(), "{name}");
        let onprem = &stats[1];
        assert_eq!(onprem.connector.as_deref(), Some("onprem"), "{name}");
        assert_eq!(onprem.queued, 3, "{name}");
        assert_eq!(onprem.oldest_received_at, Some(t0()), "{name}");
        assert_eq!(onprem.by_code, vec![("4.4.316".to_string(), 2)], "{name}");
        let last = onprem.last_error.as_ref().unwrap();
        assert_eq!(last.diagnosis, refused(), "{name}");
        assert_eq!(last.server.as_deref(), Some("192.0.2.10:25"), "{name}");
        assert_eq!(onprem.last_next_hop.as_deref(), Some("onprem"), "{name}");
        assert!(
            store.queue_stats("other-org").await.unwrap().is_empty(),
            "{name}"
        );

        let older = |cutoff| store.queued_older_than("acme", Some("onprem"), cutoff);
        assert_eq!(older(t0()).await.unwrap(), 0, "{name}");
        assert_eq!(older(t0() + minutes(1)).await.unwrap(), 1, "{name}");
        assert_eq!(older(t0() + minutes(10)).await.unwrap(), 3, "{name}");
        assert_eq!(
            store
                .queued_older_than("acme", None, t0() + minutes(1))
                .await
                .unwrap(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn queue_stats_name_the_messages_whose_connection_dropped_during_their_data() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let in_data = onprem_message(t0(), "a@acme.test");
        let after_rcpt = onprem_message(t0(), "b@acme.test");
        let refused_one = onprem_message(t0(), "c@acme.test");
        for m in [&in_data, &after_rcpt, &refused_one] {
            store.accept_message(m.clone()).await.unwrap();
        }
        store
            .claim("onprem", t0(), LEASE_NODE, LEASE, 10)
            .await
            .unwrap();
        let dropped = |id, stage| {
            let mut update = deferral(id, 0, t0(), t0() + minutes(5));
            update.last_error.as_mut().unwrap().diagnosis = Diagnosis::ConnectionDropped {
                stage,
                how: DropKind::Reset,
            };
            update
        };
        let updates = vec![
            dropped(in_data.id, DropStage::DuringData),
            dropped(after_rcpt.id, DropStage::AfterRcpt),
            deferral(refused_one.id, 0, t0(), t0() + minutes(5)),
        ];
        store.record(updates, vec![]).await.unwrap();
        let stats = store.queue_stats("acme").await.unwrap();
        assert_eq!(stats.len(), 1, "{name}: {stats:?}");
        assert_eq!(
            stats[0].data_drop_messages,
            vec![(in_data.id, 1)],
            "{name}: only the drop during the data"
        );
    }
}

#[tokio::test]
async fn delivered_recipients_leave_the_queue_stats() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let m = onprem_message(t0(), "a@acme.test");
        store.accept_message(m.clone()).await.unwrap();
        store
            .claim("onprem", t0(), LEASE_NODE, LEASE, 10)
            .await
            .unwrap();
        store
            .record(
                vec![delivery(m.id, 0, t0())],
                vec![delivered_event(m.id, t0())],
            )
            .await
            .unwrap();
        assert!(
            store.queue_stats("acme").await.unwrap().is_empty(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn delivery_stats_count_outcomes_in_the_window_but_not_expiry() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let m = onprem_message(t0(), "a@acme.test");
        store.accept_message(m.clone()).await.unwrap();
        let expired = event(
            m.id,
            t0() + minutes(3),
            EventKind::Failed {
                diagnosis: Diagnosis::Expired {
                    last: Some(Box::new(refused())),
                },
            },
        );
        let events = vec![
            deferred_event(m.id, t0()),
            deferred_event(m.id, t0() + minutes(1)),
            delivered_event(m.id, t0() + minutes(2)),
            expired,
            deferred_event(m.id, t0() + minutes(90)),
        ];
        store.record(vec![], events).await.unwrap();
        let stats = store
            .delivery_stats("acme", Some("onprem"), t0(), t0() + minutes(60))
            .await
            .unwrap();
        assert_eq!(
            (stats.attempts, stats.successes, stats.failures()),
            (3, 1, 2),
            "{name}"
        );
        assert_eq!(
            stats.failures_by_code,
            vec![("4.4.316".to_string(), 2)],
            "{name}"
        );
        assert_eq!(stats.last_success_at, Some(t0() + minutes(2)), "{name}");
        assert_eq!(stats.last_failure_at, Some(t0() + minutes(1)), "{name}");
        let none = store
            .delivery_stats("acme", None, t0(), t0() + minutes(60))
            .await
            .unwrap();
        assert_eq!(none.attempts, 0, "{name}");
    }
}

#[tokio::test]
async fn the_last_attempt_is_the_latest_attempt_event_of_the_connector() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let m = onprem_message(t0(), "a@acme.test");
        store.accept_message(m.clone()).await.unwrap();
        let attempt = |at, addr: &str| {
            event(
                m.id,
                at,
                EventKind::Attempt {
                    results: vec![AddressResult {
                        host: "mail.acme.test".into(),
                        addr: Some(addr.parse().unwrap()),
                        stage: Stage::Connect,
                        diagnosis: Some(refused()),
                        elapsed_ms: 3,
                    }],
                },
            )
        };
        let latest = attempt(t0() + minutes(2), "192.0.2.11:25");
        store
            .record(
                vec![],
                vec![
                    attempt(t0(), "192.0.2.10:25"),
                    latest.clone(),
                    deferred_event(m.id, t0() + minutes(3)),
                ],
            )
            .await
            .unwrap();
        assert_eq!(
            store.last_attempt("acme", Some("onprem")).await.unwrap(),
            Some(latest),
            "{name}"
        );
        assert_eq!(
            store.last_attempt("acme", None).await.unwrap(),
            None,
            "{name}"
        );
    }
}

fn ids(found: Vec<TracedMessage>) -> Vec<mailflow_core::MessageId> {
    found.into_iter().map(|m| m.message.id).collect()
}

fn by(f: fn(&mut TraceFilter)) -> TraceFilter {
    let mut filter = TraceFilter::default();
    f(&mut filter);
    filter
}

#[tokio::test]
async fn trace_finds_messages_by_each_field_with_their_events_in_order() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let old = onprem_message(t0(), "Bob@Acme.test");
        let mut new = message(
            t0() + minutes(10),
            "carol@acme.test",
            vec![recipient("dave@acme.test", Some("onprem"))],
        );
        new.message_id_header = Some("4711@acme.test".into());
        store.accept_message(old.clone()).await.unwrap();
        store.accept_message(new.clone()).await.unwrap();
        store
            .claim("onprem", t0() + minutes(11), LEASE_NODE, LEASE, 10)
            .await
            .unwrap();
        store
            .record(
                vec![
                    deferral(old.id, 0, t0() + minutes(11), t0() + minutes(12)),
                    delivery(new.id, 0, t0() + minutes(11)),
                ],
                vec![
                    deferred_event(old.id, t0() + minutes(11)),
                    delivered_event(new.id, t0() + minutes(11)),
                ],
            )
            .await
            .unwrap();
        let store = &store;
        let search = |filter: TraceFilter| async move { store.trace(&filter).await.unwrap() };

        let all = search(TraceFilter::default()).await;
        assert_eq!(
            ids(all.clone()),
            vec![new.id, old.id],
            "{name}: newest first"
        );
        assert_eq!(all[1].events.len(), 2, "{name}");
        assert!(
            matches!(all[1].events[0].kind, EventKind::Received { .. }),
            "{name}"
        );
        assert!(
            matches!(all[1].events[1].kind, EventKind::Deferred { .. }),
            "{name}"
        );

        let cases = [
            (
                by(|f| f.recipient = Some("BOB@acme.test".into())),
                vec![old.id],
            ),
            (
                by(|f| f.sender = Some("CAROL@acme.test".into())),
                vec![new.id],
            ),
            (
                by(|f| f.status = Some(RecipientState::Delivered)),
                vec![new.id],
            ),
            (by(|f| f.since = Some(t0() + minutes(5))), vec![new.id]),
            (by(|f| f.until = Some(t0() + minutes(5))), vec![old.id]),
            (by(|f| f.org = Some("nobody".into())), vec![]),
            (
                by(|f| f.message_id_header = Some("4711@acme.test".into())),
                vec![new.id],
            ),
            (by(|f| f.limit = 1), vec![new.id]),
        ];
        for (filter, expected) in cases {
            assert_eq!(
                ids(search(filter.clone()).await),
                expected,
                "{name}: {filter:?}"
            );
        }
        let filter = TraceFilter {
            message_id: Some(old.id),
            ..Default::default()
        };
        assert_eq!(ids(search(filter).await), vec![old.id], "{name}");
        let filter = TraceFilter {
            message_id: Some(old.id),
            recipient: Some("dave@acme.test".into()),
            ..Default::default()
        };
        assert!(
            search(filter).await.is_empty(),
            "{name}: a message and a recipient it does not have"
        );
        let filter = TraceFilter {
            recipient: Some("bob@acme.test".into()),
            status: Some(RecipientState::Delivered),
            ..Default::default()
        };
        assert!(
            search(filter).await.is_empty(),
            "{name}: recipient and status apply to one recipient"
        );
    }
}

#[tokio::test]
async fn history_buckets_are_kept_per_minute_replaced_and_pruned() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.insight());
        let bucket = |minute: u64, queued, connector: Option<&str>| HistoryBucket {
            org: "acme".into(),
            connector: connector.map(str::to_string),
            minute: t0() + minutes(minute),
            queued,
            failures: vec![("4.4.316".into(), queued)],
        };
        store
            .save_history(vec![
                bucket(0, 1, Some("onprem")),
                bucket(1, 2, Some("onprem")),
                bucket(1, 9, None),
            ])
            .await
            .unwrap();
        // Two buckets of one minute in one save: the later one stays.
        store
            .save_history(vec![
                bucket(1, 4, Some("onprem")),
                bucket(1, 3, Some("onprem")),
            ])
            .await
            .unwrap();
        let onprem = store.history("acme", Some("onprem"), t0()).await.unwrap();
        assert_eq!(
            onprem,
            vec![bucket(0, 1, Some("onprem")), bucket(1, 3, Some("onprem"))],
            "{name}"
        );
        assert_eq!(
            store.history("acme", None, t0()).await.unwrap(),
            vec![bucket(1, 9, None)],
            "{name}"
        );
        assert_eq!(
            store
                .history("acme", Some("onprem"), t0() + minutes(1))
                .await
                .unwrap()
                .len(),
            1,
            "{name}"
        );
        assert_eq!(
            store.prune_history(t0() + minutes(1)).await.unwrap(),
            1,
            "{name}"
        );
        assert_eq!(
            store
                .history("acme", Some("onprem"), t0())
                .await
                .unwrap()
                .len(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn old_events_are_pruned() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let m = onprem_message(t0(), "a@acme.test");
        store.accept_message(m.clone()).await.unwrap();
        store
            .record(vec![], vec![deferred_event(m.id, t0() + minutes(30))])
            .await
            .unwrap();
        assert_eq!(
            store.prune_events(t0() + minutes(1)).await.unwrap(),
            1,
            "{name}"
        );
        let left = store.events(m.id).await.unwrap();
        assert_eq!(left.len(), 1, "{name}");
        assert!(matches!(left[0].kind, EventKind::Deferred { .. }), "{name}");
    }
}

/// The same counts as `queue_stats` reports them (no code: the total less
/// the coded).
async fn counted_by_stats(store: &dyn Store) -> Vec<(Option<String>, Option<String>, i64)> {
    let mut counted = Vec::new();
    for stats in store.queue_stats("acme").await.unwrap() {
        let coded: u64 = stats.by_code.iter().map(|(_, n)| n).sum();
        if stats.queued > coded {
            counted.push((stats.connector.clone(), None, (stats.queued - coded) as i64));
        }
        let mut by_code = stats.by_code.clone();
        by_code.sort();
        for (code, n) in by_code {
            counted.push((stats.connector.clone(), Some(code), n as i64));
        }
    }
    counted
}

/// Panics unless the counts the store keeps agree with its recipients.
async fn counts_agree(backend: &Backend, step: &str) -> Vec<(Option<String>, Option<String>, i64)> {
    let rows = backend.pending_from_rows("acme").await;
    assert_eq!(
        counted_by_stats(&*backend.store()).await,
        rows,
        "{}: after {step}",
        backend.name()
    );
    rows
}

#[tokio::test]
async fn queue_stats_counts_follow_every_change_of_a_recipient() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let two = message(
            t0(),
            "alice@acme.test",
            vec![
                recipient("a@acme.test", Some("onprem")),
                recipient("b@fabrikam.test", None),
                recipient("c@acme.test", Some("onprem")),
            ],
        );
        let one = onprem_message(t0() + minutes(1), "d@acme.test");
        for m in [&two, &one] {
            store.accept_message(m.clone()).await.unwrap();
        }
        let accepted = counts_agree(&backend, "accepts").await;
        assert_eq!(accepted.iter().map(|r| r.2).sum::<i64>(), 4, "{name}");

        let claimed = store
            .claim("onprem", t0() + minutes(2), LEASE_NODE, LEASE, 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 2, "{name}");
        counts_agree(&backend, "a claim (in flight is pending)").await;

        store
            .record(
                vec![
                    deferral(two.id, 0, t0() + minutes(2), t0() + minutes(3)),
                    deferral(two.id, 2, t0() + minutes(2), t0() + minutes(3)),
                    delivery(one.id, 0, t0() + minutes(2)),
                ],
                vec![],
            )
            .await
            .unwrap();
        let rows = counts_agree(&backend, "two deferrals and a delivery").await;
        assert!(
            rows.contains(&(Some("onprem".into()), Some("4.4.316".into()), 2)),
            "{name}: {rows:?}"
        );
        let three = onprem_message(t0() + minutes(3), "e@acme.test");
        store.accept_message(three.clone()).await.unwrap();

        store
            .suspend_connector_queue("acme", "onprem", t0() + minutes(4), "admin")
            .await
            .unwrap();
        counts_agree(&backend, "a suspension").await;
        store
            .resume_connector_queue("acme", "onprem", t0() + minutes(5), "admin")
            .await
            .unwrap();
        counts_agree(&backend, "a resumption").await;
        store
            .retry_connector_now("acme", "onprem", t0() + minutes(5), "admin")
            .await
            .unwrap();
        counts_agree(&backend, "a retry").await;
        let later = t0() + minutes(5);
        let claimed = store
            .claim("onprem", later, LEASE_NODE, LEASE, 10)
            .await
            .unwrap();
        counts_agree(&backend, "a second claim").await;
        let first = &claimed[0];
        let release = vec![(first.id, first.recipients[0].index)];
        let released = store
            .release_claims(LEASE_NODE, release, later, later)
            .await
            .unwrap();
        assert_eq!(released, 1, "{name}");
        counts_agree(&backend, "a claim released").await;
        let recovered = store.recover_in_flight(LEASE_NODE, later).await.unwrap();
        assert!(recovered > 0, "{name}");
        counts_agree(&backend, "claims recovered").await;

        let mut failed = delivery(two.id, 1, t0() + minutes(6));
        failed.state = RecipientState::Failed;
        failed.last_error = deferral(two.id, 1, t0(), t0()).last_error;
        store.record(vec![failed], vec![]).await.unwrap();
        counts_agree(&backend, "a failure").await;

        use mailflow_store::QueueAction::{Delete, Suspend};
        let chosen = [(two.id, 0)];
        store
            .act_on_recipients(Suspend, &chosen, t0() + minutes(7), "admin")
            .await
            .unwrap();
        counts_agree(&backend, "a chosen recipient's suspension").await;
        store
            .act_on_recipients(
                Delete,
                &[(two.id, 0), (three.id, 0)],
                t0() + minutes(8),
                "admin",
            )
            .await
            .unwrap();
        let rows = counts_agree(&backend, "a deletion").await;
        assert_eq!(
            rows,
            vec![(Some("onprem".into()), Some("4.4.316".into()), 1)],
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_older_than_is_exact_on_either_side_of_a_large_backlog() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        const N: u64 = 2600;
        let mut accepts = tokio::task::JoinSet::new();
        for i in 0..N {
            let store = Arc::clone(&store);
            let m = onprem_message(
                t0() + std::time::Duration::from_secs(i),
                &format!("u{i}@acme.test"),
            );
            accepts.spawn(async move { store.accept_message(m).await.unwrap() });
        }
        while accepts.join_next().await.is_some() {}
        // A second code group: the first 700 are deferred with a code.
        let claimed = store
            .claim("onprem", t0() + minutes(60), LEASE_NODE, LEASE, 700)
            .await
            .unwrap();
        let updates = claimed
            .iter()
            .map(|m| deferral(m.id, 0, t0() + minutes(60), t0() + minutes(61)))
            .collect();
        store.record(updates, vec![]).await.unwrap();

        for before in [0, 1, 699, 700, 1023, 1024, 1300, 1577, 2599, N, N + 10] {
            let cutoff = t0() + std::time::Duration::from_secs(before);
            assert_eq!(
                store
                    .queued_older_than("acme", Some("onprem"), cutoff)
                    .await
                    .unwrap(),
                before.min(N),
                "{name}: arrived before t0 + {before} s"
            );
        }
        assert_eq!(
            store
                .queued_older_than("acme", None, t0() + minutes(60))
                .await
                .unwrap(),
            0,
            "{name}"
        );
    }
}
