//! Retention of finished messages: a message goes with its trace once every
//! recipient finished before the cutoff and no report is owed; mail still
//! waiting, finishing late or owing its sender a report stays.

use crate::backends::every_backend;
use crate::common::*;
use mailflow_core::MessageId;
use mailflow_store::{NewMessage, RecipientUpdate, Store};
use std::sync::Arc;
use time::OffsetDateTime;

async fn kept(store: &dyn Store, message: &NewMessage) -> bool {
    store.message(message.id).await.unwrap().is_some()
}

/// The cutoff of a retention run a week after `t0`.
fn cutoff() -> OffsetDateTime {
    t0() + time::Duration::days(7)
}

/// A message to one recipient, accepted at `t0` and finished a minute later
/// with `outcome`.
async fn finished(
    store: &dyn Store,
    outcome: fn(MessageId, u32, OffsetDateTime) -> RecipientUpdate,
) -> NewMessage {
    let m = onprem_message(t0(), "bob@acme.test");
    store.accept_message(m.clone()).await.unwrap();
    store
        .record(vec![outcome(m.id, 0, t0() + minutes(1))], Vec::new())
        .await
        .unwrap();
    m
}

#[tokio::test]
async fn a_message_delivered_before_the_cutoff_goes_with_its_recipients() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let m = finished(&*store, delivery).await;

        assert_eq!(store.prune_messages(cutoff()).await.unwrap(), 1, "{name}");
        assert!(!kept(&*store, &m).await, "{name}");
        assert_eq!(
            backend.count_rows("recipients").await,
            0,
            "{name}: the recipients go with their message"
        );
    }
}

#[tokio::test]
async fn waiting_mail_stays_however_old() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let queued = onprem_message(t0(), "bob@acme.test");
        let deferred = onprem_message(t0(), "carol@acme.test");
        for m in [&queued, &deferred] {
            store.accept_message(m.clone()).await.unwrap();
        }
        let at = t0() + minutes(1);
        store
            .record(
                vec![deferral(deferred.id, 0, at, at + minutes(5))],
                Vec::new(),
            )
            .await
            .unwrap();
        let waiting_before = store.waiting_counts("acme").await.unwrap();

        assert_eq!(store.prune_messages(cutoff()).await.unwrap(), 0, "{name}");
        assert!(kept(&*store, &queued).await, "{name}");
        assert!(kept(&*store, &deferred).await, "{name}");
        assert_eq!(
            store.waiting_counts("acme").await.unwrap(),
            waiting_before,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_message_stays_while_one_recipient_waits_or_finished_after_the_cutoff() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let recipients = || {
            vec![
                recipient("bob@acme.test", Some("onprem")),
                recipient("carol@acme.test", Some("onprem")),
            ]
        };
        let half_done = message(t0(), "alice@acme.test", recipients());
        let finished_late = message(t0(), "alice@acme.test", recipients());
        for m in [&half_done, &finished_late] {
            store.accept_message(m.clone()).await.unwrap();
        }
        let early = t0() + minutes(1);
        let late = cutoff() + minutes(1);
        store
            .record(
                vec![
                    delivery(half_done.id, 0, early),
                    delivery(finished_late.id, 0, early),
                    delivery(finished_late.id, 1, late),
                ],
                Vec::new(),
            )
            .await
            .unwrap();

        assert_eq!(store.prune_messages(cutoff()).await.unwrap(), 0, "{name}");
        assert!(kept(&*store, &half_done).await, "{name}");
        assert!(kept(&*store, &finished_late).await, "{name}");
        // Its trace lasts until a week after its last recipient finished.
        let a_week_after_late = late + time::Duration::days(7) + minutes(1);
        assert_eq!(
            store.prune_messages(a_week_after_late).await.unwrap(),
            1,
            "{name}"
        );
        assert!(!kept(&*store, &finished_late).await, "{name}");
        assert!(kept(&*store, &half_done).await, "{name}");
    }
}

#[tokio::test]
async fn a_failed_message_stays_until_its_report_is_queued() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let m = finished(&*store, failure).await;

        assert_eq!(store.prune_messages(cutoff()).await.unwrap(), 0, "{name}");
        assert!(
            kept(&*store, &m).await,
            "{name}: the report still owed quotes it"
        );
        store.reports_queued(m.id, &[0]).await.unwrap();
        assert_eq!(store.prune_messages(cutoff()).await.unwrap(), 1, "{name}");
        assert!(!kept(&*store, &m).await, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_a_batch_goes_in_one_call_oldest_first() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        // One more than a batch is deleted, so the call needs a second batch;
        // the newest finishes at the cutoff and stays.
        let count = mailflow_store::MESSAGE_PRUNE_BATCH + 1;
        let messages: Vec<NewMessage> = (0..=count)
            .map(|n| {
                let at = t0() + time::Duration::milliseconds(n as i64);
                onprem_message(at, "bob@acme.test")
            })
            .collect();
        let mut accepts = tokio::task::JoinSet::new();
        for m in messages.clone() {
            let store = Arc::clone(&store);
            accepts.spawn(async move { store.accept_message(m).await.unwrap() });
        }
        while accepts.join_next().await.is_some() {}
        let deliveries = messages
            .iter()
            .map(|m| delivery(m.id, 0, m.received_at))
            .collect();
        store.record(deliveries, Vec::new()).await.unwrap();
        let newest = messages.last().unwrap();

        let deleted = store.prune_messages(newest.received_at).await.unwrap();
        assert_eq!(deleted, count as u64, "{name}");
        assert!(kept(&*store, newest).await, "{name}");
        assert!(!kept(&*store, &messages[0]).await, "{name}");
        assert!(!kept(&*store, &messages[count - 1]).await, "{name}");
    }
}
