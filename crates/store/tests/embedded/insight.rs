//! Mail flow intelligence in the store: the received event, the queue per
//! connector, outcome counts over a window, the last attempt, the trace,
//! history buckets, retention, and that these reads use their indexes.

use crate::common::*;
use mailflow_core::{AddressResult, Diagnosis, Event, EventKind, RecipientState, Stage};
use mailflow_store::{
    HistoryBucket, InsightStore, OperatorStore, QueueStore, RecipientUpdate, TraceFilter,
};
use sqlx::{Connection, SqliteConnection};
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
async fn defer_all(t: &TestStore, at: OffsetDateTime) {
    let claimed = t
        .store
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
    t.store.record(updates, events).await.unwrap();
}

#[tokio::test]
async fn accepting_a_message_records_its_received_event() {
    let t = open_store().await;
    let m = onprem_message(t0(), "bob@acme.test");
    t.store.accept_message(m.clone()).await.unwrap();
    let events = t.store.events(m.id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].at, t0());
    match &events[0].kind {
        EventKind::Received {
            sender,
            recipients,
            client,
            size,
        } => {
            assert_eq!(sender, "alice@acme.test");
            assert_eq!(*recipients, 1);
            assert_eq!(client, "192.0.2.1");
            assert_eq!(*size, m.body.len() as u64);
        }
        other => panic!("expected a received event, got {other:?}"),
    }
}

#[tokio::test]
async fn queue_stats_count_pending_recipients_per_connector_and_code() {
    let t = open_store().await;
    let first = onprem_message(t0(), "a@acme.test");
    let second = onprem_message(t0() + minutes(5), "b@acme.test");
    let by_mx = message(
        t0(),
        "alice@acme.test",
        vec![recipient("c@fabrikam.test", None)],
    );
    for m in [&first, &second, &by_mx] {
        t.store.accept_message(m.clone()).await.unwrap();
    }
    defer_all(&t, t0() + minutes(6)).await;
    let third = onprem_message(t0() + minutes(7), "c@acme.test");
    t.store.accept_message(third).await.unwrap();

    let stats = t.store.queue_stats("acme").await.unwrap();
    assert_eq!(stats.len(), 2, "{stats:?}");
    let mx = &stats[0];
    assert_eq!((mx.connector.as_deref(), mx.queued), (None, 1));
    assert!(mx.by_code.is_empty() && mx.last_error.is_none());
    let onprem = &stats[1];
    assert_eq!(onprem.connector.as_deref(), Some("onprem"));
    assert_eq!(onprem.queued, 3);
    assert_eq!(onprem.oldest_received_at, Some(t0()));
    assert_eq!(onprem.by_code, vec![("4.4.316".to_string(), 2)]);
    let last = onprem.last_error.as_ref().unwrap();
    assert_eq!(last.diagnosis, refused());
    assert_eq!(last.server.as_deref(), Some("192.0.2.10:25"));
    assert_eq!(onprem.last_next_hop.as_deref(), Some("onprem"));
    assert!(t.store.queue_stats("other-org").await.unwrap().is_empty());

    let older = |cutoff| t.store.queued_older_than("acme", Some("onprem"), cutoff);
    assert_eq!(older(t0()).await.unwrap(), 0);
    assert_eq!(older(t0() + minutes(1)).await.unwrap(), 1);
    assert_eq!(older(t0() + minutes(10)).await.unwrap(), 3);
    assert_eq!(
        t.store
            .queued_older_than("acme", None, t0() + minutes(1))
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn delivered_recipients_leave_the_queue_stats() {
    let t = open_store().await;
    let m = onprem_message(t0(), "a@acme.test");
    t.store.accept_message(m.clone()).await.unwrap();
    t.store
        .claim("onprem", t0(), LEASE_NODE, LEASE, 10)
        .await
        .unwrap();
    t.store
        .record(
            vec![delivery(m.id, 0, t0())],
            vec![delivered_event(m.id, t0())],
        )
        .await
        .unwrap();
    assert!(t.store.queue_stats("acme").await.unwrap().is_empty());
}

#[tokio::test]
async fn delivery_stats_count_outcomes_in_the_window_but_not_expiry() {
    let t = open_store().await;
    let m = onprem_message(t0(), "a@acme.test");
    t.store.accept_message(m.clone()).await.unwrap();
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
    t.store.record(vec![], events).await.unwrap();
    let stats = t
        .store
        .delivery_stats("acme", Some("onprem"), t0(), t0() + minutes(60))
        .await
        .unwrap();
    assert_eq!(
        (stats.attempts, stats.successes, stats.failures()),
        (3, 1, 2)
    );
    assert_eq!(stats.failures_by_code, vec![("4.4.316".to_string(), 2)]);
    assert_eq!(stats.last_success_at, Some(t0() + minutes(2)));
    assert_eq!(stats.last_failure_at, Some(t0() + minutes(1)));
    let none = t
        .store
        .delivery_stats("acme", None, t0(), t0() + minutes(60))
        .await
        .unwrap();
    assert_eq!(none.attempts, 0);
}

#[tokio::test]
async fn the_last_attempt_is_the_latest_attempt_event_of_the_connector() {
    let t = open_store().await;
    let m = onprem_message(t0(), "a@acme.test");
    t.store.accept_message(m.clone()).await.unwrap();
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
    t.store
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
        t.store.last_attempt("acme", Some("onprem")).await.unwrap(),
        Some(latest)
    );
    assert_eq!(t.store.last_attempt("acme", None).await.unwrap(), None);
}

#[tokio::test]
async fn trace_finds_messages_by_each_field_with_their_events_in_order() {
    let t = open_store().await;
    let old = onprem_message(t0(), "Bob@Acme.test");
    let new = message(
        t0() + minutes(10),
        "carol@acme.test",
        vec![recipient("dave@acme.test", Some("onprem"))],
    );
    t.store.accept_message(old.clone()).await.unwrap();
    t.store.accept_message(new.clone()).await.unwrap();
    t.store
        .claim("onprem", t0() + minutes(11), LEASE_NODE, LEASE, 10)
        .await
        .unwrap();
    t.store
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
    let ids = |found: Vec<mailflow_store::TracedMessage>| {
        found.into_iter().map(|m| m.message.id).collect::<Vec<_>>()
    };
    let store = &t.store;
    let search = |filter: TraceFilter| async move { store.trace(&filter).await.unwrap() };

    let all = search(TraceFilter::default()).await;
    assert_eq!(ids(all.clone()), vec![new.id, old.id], "newest first");
    let kinds: Vec<_> = all[1]
        .events
        .iter()
        .map(|e| std::mem::discriminant(&e.kind))
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(matches!(all[1].events[0].kind, EventKind::Received { .. }));
    assert!(matches!(all[1].events[1].kind, EventKind::Deferred { .. }));

    let by = |f: fn(&mut TraceFilter)| {
        let mut filter = TraceFilter::default();
        f(&mut filter);
        filter
    };
    assert_eq!(
        ids(search(by(|f| f.recipient = Some("BOB@acme.test".into()))).await),
        vec![old.id]
    );
    assert_eq!(
        ids(search(by(|f| f.sender = Some("CAROL@acme.test".into()))).await),
        vec![new.id]
    );
    assert_eq!(
        ids(search(by(|f| f.status = Some(RecipientState::Delivered))).await),
        vec![new.id]
    );
    assert_eq!(
        ids(search(by(|f| f.since = Some(t0() + minutes(5)))).await),
        vec![new.id]
    );
    assert_eq!(
        ids(search(by(|f| f.until = Some(t0() + minutes(5)))).await),
        vec![old.id]
    );
    assert_eq!(
        ids(search(by(|f| f.org = Some("nobody".into()))).await),
        vec![]
    );
    let filter = TraceFilter {
        message_id: Some(old.id),
        ..Default::default()
    };
    assert_eq!(ids(search(filter).await), vec![old.id]);
    let filter = TraceFilter {
        recipient: Some("bob@acme.test".into()),
        status: Some(RecipientState::Delivered),
        ..Default::default()
    };
    assert!(
        search(filter).await.is_empty(),
        "recipient and status apply to one recipient"
    );
}

#[tokio::test]
async fn history_buckets_are_kept_per_minute_replaced_and_pruned() {
    let t = open_store().await;
    let bucket = |minute: u64, queued, connector: Option<&str>| HistoryBucket {
        org: "acme".into(),
        connector: connector.map(str::to_string),
        minute: t0() + minutes(minute),
        queued,
        failures: vec![("4.4.316".into(), queued)],
    };
    t.store
        .save_history(vec![
            bucket(0, 1, Some("onprem")),
            bucket(1, 2, Some("onprem")),
            bucket(1, 9, None),
        ])
        .await
        .unwrap();
    t.store
        .save_history(vec![bucket(1, 3, Some("onprem"))])
        .await
        .unwrap();
    let onprem = t.store.history("acme", Some("onprem"), t0()).await.unwrap();
    assert_eq!(
        onprem,
        vec![bucket(0, 1, Some("onprem")), bucket(1, 3, Some("onprem"))]
    );
    assert_eq!(
        t.store.history("acme", None, t0()).await.unwrap(),
        vec![bucket(1, 9, None)]
    );
    assert_eq!(
        t.store
            .history("acme", Some("onprem"), t0() + minutes(1))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(t.store.prune_history(t0() + minutes(1)).await.unwrap(), 1);
    assert_eq!(
        t.store
            .history("acme", Some("onprem"), t0())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn old_events_are_pruned() {
    let t = open_store().await;
    let m = onprem_message(t0(), "a@acme.test");
    t.store.accept_message(m.clone()).await.unwrap();
    t.store
        .record(vec![], vec![deferred_event(m.id, t0() + minutes(30))])
        .await
        .unwrap();
    assert_eq!(t.store.prune_events(t0() + minutes(1)).await.unwrap(), 1);
    let left = t.store.events(m.id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(matches!(left[0].kind, EventKind::Deferred { .. }));
}

async fn plan(conn: &mut SqliteConnection, sql: &str) -> String {
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
        .fetch_all(conn)
        .await
        .unwrap();
    rows.into_iter()
        .map(|row| row.3)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn insight_and_trace_queries_read_indexes() {
    let t = open_store().await;
    let path = t.store.path().to_path_buf();
    t.store.close().await.unwrap();
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let pending = "state IN ('queued', 'in_flight', 'deferred', 'suspended')";
    let cases = [
        (
            format!("SELECT MIN(received_at) FROM recipients WHERE org = 'a' \
             AND route_connector IS 'x' AND last_error_code IS NULL AND {pending}"),
            "recipients_pending_connector",
        ),
        (
            format!("SELECT last_error FROM recipients WHERE org = 'a' AND route_connector IS 'x' \
             AND {pending} AND last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 1"),
            "recipients_pending_last_error",
        ),
        (
            "SELECT kind, COUNT(*) FROM events WHERE org = 'a' AND connector IS 'x' AND at >= 1 AND at < 2 GROUP BY kind".to_string(),
            "events_connector",
        ),
        (
            "SELECT id FROM messages WHERE id IN (SELECT message_id FROM recipients r WHERE LOWER(r.address) = LOWER('x'))".to_string(),
            "recipients_address",
        ),
        (
            "SELECT id FROM messages m WHERE LOWER(m.sender) = LOWER('x')".to_string(),
            "messages_sender",
        ),
        ("DELETE FROM events WHERE at < 5".to_string(), "events_at"),
    ];
    for (sql, index) in cases {
        let plan = plan(&mut conn, &sql).await;
        assert!(plan.contains(index), "{sql}\n{plan}");
        assert!(
            !plan.contains("SCAN recipients\n") && !plan.ends_with("SCAN recipients"),
            "{plan}"
        );
    }
}

/// Pending recipients per (connector, code) counted straight from the rows.
async fn counted_from_rows(t: &TestStore) -> Vec<(Option<String>, Option<String>, i64)> {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", t.store.path().display()))
        .await
        .unwrap();
    let rows = sqlx::query_as(
        "SELECT route_connector, last_error_code, COUNT(*) FROM recipients \
         WHERE org = 'acme' AND state IN ('queued', 'in_flight', 'deferred', 'suspended') \
         GROUP BY route_connector, last_error_code ORDER BY route_connector, last_error_code",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    rows
}

/// The same, as `queue_stats` reports it (no code: the total less the coded).
async fn counted_by_stats(t: &TestStore) -> Vec<(Option<String>, Option<String>, i64)> {
    let mut counted = Vec::new();
    for stats in t.store.queue_stats("acme").await.unwrap() {
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

#[tokio::test]
async fn queue_stats_counts_follow_every_change_of_a_recipient() {
    let t = open_store().await;
    let agree = async |t: &TestStore, step: &str| {
        let rows = counted_from_rows(t).await;
        assert_eq!(counted_by_stats(t).await, rows, "after {step}");
        rows
    };
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
        t.store.accept_message(m.clone()).await.unwrap();
    }
    assert_eq!(
        agree(&t, "accepts").await.iter().map(|r| r.2).sum::<i64>(),
        4
    );

    let claimed = t
        .store
        .claim("onprem", t0() + minutes(2), LEASE_NODE, LEASE, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    agree(&t, "a claim (in flight is pending)").await;

    t.store
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
    let rows = agree(&t, "two deferrals and a delivery").await;
    assert!(rows.contains(&(Some("onprem".into()), Some("4.4.316".into()), 2)));

    t.store
        .suspend_connector_queue("acme", "onprem", t0() + minutes(4), "admin")
        .await
        .unwrap();
    agree(&t, "a suspension").await;
    t.store
        .resume_connector_queue("acme", "onprem", t0() + minutes(5), "admin")
        .await
        .unwrap();
    agree(&t, "a resumption").await;

    let mut failed = delivery(two.id, 1, t0() + minutes(6));
    failed.state = RecipientState::Failed;
    failed.last_error = deferral(two.id, 1, t0(), t0()).last_error;
    t.store.record(vec![failed], vec![]).await.unwrap();
    let rows = agree(&t, "a failure").await;
    assert_eq!(
        rows,
        vec![(Some("onprem".into()), Some("4.4.316".into()), 2)]
    );
    t.store.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_older_than_is_exact_on_either_side_of_a_large_backlog() {
    let t = open_store().await;
    let store = std::sync::Arc::new(t.store);
    const N: u64 = 2600;
    let mut accepts = tokio::task::JoinSet::new();
    for i in 0..N {
        let store = store.clone();
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
            "arrived before t0 + {before} s"
        );
    }
    assert_eq!(
        store
            .queued_older_than("acme", None, t0() + minutes(60))
            .await
            .unwrap(),
        0
    );
    std::sync::Arc::into_inner(store)
        .unwrap()
        .close()
        .await
        .unwrap();
}
