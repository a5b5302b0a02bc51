//! Group commit: the accepted messages and the outcome records that reach
//! the writer together go to SQLite in one transaction, in one trip.
//!
//! Under load both arrive many times a second, a few at a time. One
//! transaction for them all writes the pages they share (the recipients'
//! indexes, the events) once, and pays one fsync and one hand-off to
//! SQLite's thread instead of one per request. When the group cannot
//! commit, each request is tried alone, so that one bad request does not
//! sink its neighbours and each gets its own answer.

use super::accept::{AcceptRequest, AcceptRows, RELAXED_AFTER, SYNCED, commit_accepts};
use super::record::{self, RecordRequest, RecordRows};
use super::transaction::OneTrip;
use crate::NewMessage;
use sqlx::SqliteConnection;
use std::sync::atomic::{AtomicU64, Ordering};

/// Commits `accepts` and `records` and answers every request. With accepts,
/// the transaction is synced and the connection set back to
/// `synchronous=NORMAL` after, as `commit_accepts` does; the answer is then
/// whether the last transaction did that. Records alone commit under the
/// connection's current setting.
pub async fn commit_group(
    conn: &mut SqliteConnection,
    accepts: Vec<AcceptRequest>,
    records: Vec<RecordRequest>,
    commits: &AtomicU64,
) -> bool {
    if records.is_empty() {
        return commit_accepts(conn, accepts, commits).await;
    }
    let with_accepts = !accepts.is_empty();
    let sent = {
        let messages: Vec<&NewMessage> = accepts.iter().map(|request| &request.message).collect();
        let accept_rows = AcceptRows::new(&messages);
        let record_rows: Vec<RecordRows> = records
            .iter()
            .map(|request| RecordRows::new(&request.updates, &request.events))
            .collect();
        let mut trip = if with_accepts {
            OneTrip::between(SYNCED, RELAXED_AFTER)
        } else {
            OneTrip::begin()
        };
        accept_rows.push(trip.sql());
        for rows in &record_rows {
            rows.push(trip.sql());
        }
        trip.commit(conn).await
    };
    match sent {
        Ok(returned) => {
            commits.fetch_add(1, Ordering::Relaxed);
            // Only the records' updates return rows, one per recipient.
            let updates = records.iter().map(|request| request.updates.len()).sum();
            record::warn_if_missing(updates, returned.len());
            for request in accepts {
                // The caller may have gone away; the message is durable regardless.
                let _ = request.answer.send(Ok(()));
            }
            for request in records {
                let _ = request.answer.send(Ok(()));
            }
            true
        }
        Err(error) => {
            tracing::warn!(%error, accepts = accepts.len(), records = records.len(), "group commit failed; committing one by one");
            let set_back = commit_accepts(conn, accepts, commits).await;
            for request in records {
                let result = record::record(conn, &request.updates, &request.events).await;
                let _ = request.answer.send(result);
            }
            set_back
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support;
    use super::*;
    use crate::{RecipientUpdate, StoreError};
    use mailflow_core::{MessageId, RecipientState};
    use time::OffsetDateTime;
    use tokio::sync::oneshot;

    fn message(id: MessageId, now: OffsetDateTime) -> NewMessage {
        test_support::message(id, now, vec![test_support::onprem_recipient()])
    }

    /// A connection with one message accepted and committed alone.
    async fn with_one_accepted(
        dir: &tempfile::TempDir,
        commits: &AtomicU64,
        now: OffsetDateTime,
    ) -> (SqliteConnection, MessageId) {
        let mut conn = test_support::open_writer_in(dir).await;
        let first = MessageId::new();
        let (a, a_answer) = accept(message(first, now));
        assert!(commit_group(&mut conn, vec![a], Vec::new(), commits).await);
        a_answer.await.unwrap().unwrap();
        (conn, first)
    }

    fn accept(message: NewMessage) -> (AcceptRequest, oneshot::Receiver<crate::Result<()>>) {
        let (answer, answered) = oneshot::channel();
        (AcceptRequest { message, answer }, answered)
    }

    fn delivered(
        id: MessageId,
        at: OffsetDateTime,
    ) -> (RecordRequest, oneshot::Receiver<crate::Result<()>>) {
        let (answer, answered) = oneshot::channel();
        let update = RecipientUpdate {
            message_id: id,
            index: 0,
            state: RecipientState::Delivered,
            attempts_added: 1,
            next_attempt_at: None,
            last_error: None,
            delivered_reply: Some("250 ok".into()),
            at,
        };
        let request = RecordRequest {
            updates: vec![update],
            events: Vec::new(),
            answer,
        };
        (request, answered)
    }

    async fn state(conn: &mut SqliteConnection, id: MessageId) -> Option<String> {
        sqlx::query_scalar("SELECT state FROM recipients WHERE message_id = ? AND idx = 0")
            .bind(super::super::codec::id_to_db(id))
            .fetch_optional(conn)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn accepts_and_records_that_arrive_together_commit_in_one_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let commits = AtomicU64::new(0);
        let now = OffsetDateTime::now_utc();
        let (mut conn, first) = with_one_accepted(&dir, &commits, now).await;

        let second = MessageId::new();
        let (b, b_answer) = accept(message(second, now));
        let (r, r_answer) = delivered(first, now);
        assert!(commit_group(&mut conn, vec![b], vec![r], &commits).await);
        b_answer.await.unwrap().unwrap();
        r_answer.await.unwrap().unwrap();
        assert_eq!(
            commits.load(Ordering::Relaxed),
            2,
            "one transaction each time"
        );
        assert_eq!(state(&mut conn, first).await.as_deref(), Some("delivered"));
        assert_eq!(state(&mut conn, second).await.as_deref(), Some("queued"));
    }

    #[tokio::test]
    async fn a_bad_request_in_a_group_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let commits = AtomicU64::new(0);
        let now = OffsetDateTime::now_utc();
        let (mut conn, first) = with_one_accepted(&dir, &commits, now).await;

        // The same id again cannot be stored; the group falls apart into
        // its requests, and only that one is refused.
        let second = MessageId::new();
        let (again, again_answer) = accept(message(first, now));
        let (b, b_answer) = accept(message(second, now));
        let (r, r_answer) = delivered(first, now);
        commit_group(&mut conn, vec![again, b], vec![r], &commits).await;
        assert!(matches!(
            again_answer.await.unwrap(),
            Err(StoreError::Database(_))
        ));
        b_answer.await.unwrap().unwrap();
        r_answer.await.unwrap().unwrap();
        assert_eq!(state(&mut conn, first).await.as_deref(), Some("delivered"));
        assert_eq!(state(&mut conn, second).await.as_deref(), Some("queued"));
    }
}
