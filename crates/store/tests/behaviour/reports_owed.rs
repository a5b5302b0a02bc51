//! Reports owed to senders: a recipient's failure owes its report from the
//! transaction that records it until the relay says the report is queued.

use crate::backends::every_backend;
use crate::common::*;
use mailflow_store::{OwedReport, QueueStore};
use time::OffsetDateTime;

/// Every report owed, at any age.
async fn all_owed(store: &(impl QueueStore + ?Sized)) -> Vec<OwedReport> {
    let far = t0() + time::Duration::days(365);
    store.reports_owed(far, 100).await.unwrap()
}

fn two_recipients(at: OffsetDateTime, sender: &str) -> mailflow_store::NewMessage {
    message(
        at,
        sender,
        vec![
            recipient("bob@acme.test", Some("onprem")),
            recipient("carol@acme.test", Some("onprem")),
        ],
    )
}

#[tokio::test]
async fn a_failure_owes_a_report_and_a_delivery_does_not() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let m = two_recipients(t0(), "alice@acme.test");
        store.accept_message(m.clone()).await.unwrap();
        let failed_at = t0() + minutes(1);
        store
            .record(
                vec![failure(m.id, 0, failed_at), delivery(m.id, 1, failed_at)],
                Vec::new(),
            )
            .await
            .unwrap();
        assert_eq!(
            all_owed(&*store).await,
            vec![OwedReport {
                message_id: m.id,
                indexes: vec![0]
            }]
        );
        assert_eq!(store.oldest_report_owed().await.unwrap(), Some(failed_at));
        store.reports_queued(m.id, &[0]).await.unwrap();
        assert!(all_owed(&*store).await.is_empty());
        assert_eq!(store.oldest_report_owed().await.unwrap(), None);
    }
}

#[tokio::test]
async fn mail_from_the_null_sender_owes_no_report() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let m = two_recipients(t0(), "");
        store.accept_message(m.clone()).await.unwrap();
        store
            .record(vec![failure(m.id, 0, t0())], Vec::new())
            .await
            .unwrap();
        assert!(all_owed(&*store).await.is_empty());
    }
}

#[tokio::test]
async fn only_reports_owed_long_enough_are_listed_oldest_first_by_message() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let older = two_recipients(t0(), "alice@acme.test");
        let newer = two_recipients(t0(), "dave@acme.test");
        for m in [&older, &newer] {
            store.accept_message(m.clone()).await.unwrap();
        }
        let early = t0() + minutes(1);
        let late = t0() + minutes(10);
        store
            .record(
                vec![
                    failure(newer.id, 0, late),
                    failure(older.id, 1, early),
                    failure(older.id, 0, early),
                ],
                Vec::new(),
            )
            .await
            .unwrap();

        let before_late = store.reports_owed(late - minutes(1), 100).await.unwrap();
        assert_eq!(
            before_late,
            vec![OwedReport {
                message_id: older.id,
                indexes: vec![0, 1]
            }]
        );
        let one = store.reports_owed(late, 1).await.unwrap();
        assert_eq!(one, before_late, "at most one message, the oldest");
        let ids: Vec<_> = all_owed(&*store)
            .await
            .into_iter()
            .map(|report| report.message_id)
            .collect();
        assert_eq!(ids, vec![older.id, newer.id]);
    }
}

#[tokio::test]
async fn a_failure_recorded_twice_owes_one_report() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let m = two_recipients(t0(), "alice@acme.test");
        store.accept_message(m.clone()).await.unwrap();
        store
            .record(vec![failure(m.id, 0, t0())], Vec::new())
            .await
            .unwrap();
        store.reports_queued(m.id, &[0]).await.unwrap();
        // Failed to failed again (a late duplicate outcome): not a new failure.
        store
            .record(vec![failure(m.id, 0, t0() + minutes(1))], Vec::new())
            .await
            .unwrap();
        assert!(all_owed(&*store).await.is_empty());
    }
}
