//! Group commit: the accepted messages and the outcome records that reach
//! the writer together go to SQLite in one transaction, in one trip, as
//! statements the connection keeps prepared.
//!
//! Under load both arrive many times a second, a few at a time. One
//! transaction for them all writes the pages they share (the recipients'
//! indexes, the events) once, and pays one fsync and one hand-off to
//! SQLite's thread instead of one per request. When the group cannot
//! commit, each request is tried alone, so that one bad request does not
//! sink its neighbours and each gets its own answer.

use super::accept::{
    AcceptRequest, AcceptRows, INSERT_MESSAGES, INSERT_RECIPIENTS, RELAXED_AFTER, SYNCED,
};
use super::events::{INSERT_EVENTS, events_json};
use super::record::{self, REFRESH_PENDING, RecordRequest, RecordRows, UPDATE_RECIPIENTS};
use super::transaction::send_in_one_trip;
use crate::{NewMessage, Result};
use sqlx::SqliteConnection;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The statements of a group commit, in the order of their parameters:
/// messages, bodies, recipients, updates, touched messages, events. Events
/// come last because they read their messages' organisation.
static GROUP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "BEGIN IMMEDIATE; {INSERT_MESSAGES}; {INSERT_RECIPIENTS}; {}; {REFRESH_PENDING}; \
         {INSERT_EVENTS}; COMMIT",
        *UPDATE_RECIPIENTS
    )
});

/// The group commit of a group with accepted messages: synced, and the
/// connection set back to `synchronous=NORMAL` after (see `writer`).
static SYNCED_GROUP: LazyLock<String> =
    LazyLock::new(|| format!("{SYNCED}; {}; {RELAXED_AFTER}", *GROUP));

/// Bodies one transaction carries at most. They are bound as one blob and
/// SQLite refuses a value over a gigabyte: a group of large messages is
/// committed in several transactions instead.
const MAX_BODY_BYTES_PER_COMMIT: usize = 64 << 20;

/// Commits `accepts` and `records` and answers every request. With accepts,
/// the transaction is synced and the connection set back to
/// `synchronous=NORMAL` after; the answer is then whether the last
/// transaction with accepts did that. Records alone commit under the
/// connection's current setting.
pub async fn commit_group(
    conn: &mut SqliteConnection,
    accepts: Vec<AcceptRequest>,
    records: Vec<RecordRequest>,
    commits: &AtomicU64,
) -> bool {
    let mut chunks = by_body_bytes(accepts, MAX_BODY_BYTES_PER_COMMIT).into_iter();
    let first = chunks.next().unwrap_or_default();
    let mut set_back = commit_together(conn, first, records, commits).await;
    for chunk in chunks {
        set_back = commit_together(conn, chunk, Vec::new(), commits).await;
    }
    set_back
}

/// Splits `accepts`, in order, into runs whose bodies add up to at most
/// `max_bytes` (a run holds one message at least).
fn by_body_bytes(accepts: Vec<AcceptRequest>, max_bytes: usize) -> Vec<Vec<AcceptRequest>> {
    let mut runs: Vec<Vec<AcceptRequest>> = Vec::new();
    let mut bytes = 0;
    for request in accepts {
        let size = request.message.body.len();
        match runs.last_mut() {
            Some(run) if bytes + size <= max_bytes => {
                bytes += size;
                run.push(request);
            }
            _ => {
                bytes = size;
                runs.push(vec![request]);
            }
        }
    }
    runs
}

/// Commits the requests in one transaction; when that fails, each alone.
async fn commit_together(
    conn: &mut SqliteConnection,
    accepts: Vec<AcceptRequest>,
    records: Vec<RecordRequest>,
    commits: &AtomicU64,
) -> bool {
    let with_accepts = !accepts.is_empty();
    let sent = {
        let messages: Vec<&NewMessage> = accepts.iter().map(|request| &request.message).collect();
        send(conn, &messages, &records).await
    };
    match sent {
        Ok(()) => {
            commits.fetch_add(1, Ordering::Relaxed);
            for request in accepts {
                // The caller may have gone away; the message is durable regardless.
                let _ = request.answer.send(Ok(()));
            }
            for request in records {
                let _ = request.answer.send(Ok(()));
            }
            true
        }
        Err(error) if accepts.len() + records.len() > 1 => {
            tracing::warn!(%error, accepts = accepts.len(), records = records.len(), "group commit failed; committing one by one");
            let mut set_back = !with_accepts;
            for request in accepts {
                set_back =
                    Box::pin(commit_together(conn, vec![request], Vec::new(), commits)).await;
            }
            for request in records {
                Box::pin(commit_together(conn, Vec::new(), vec![request], commits)).await;
            }
            set_back
        }
        Err(error) => {
            let answer = accepts
                .into_iter()
                .map(|request| request.answer)
                .chain(records.into_iter().map(|request| request.answer))
                .next();
            if let Some(answer) = answer {
                let _ = answer.send(Err(error));
            }
            false
        }
    }
}

/// One transaction, in one trip, of statements whose text is always the
/// same (see `json_rows`), so the connection keeps them prepared.
async fn send(
    conn: &mut SqliteConnection,
    messages: &[&NewMessage],
    records: &[RecordRequest],
) -> Result<()> {
    let accepted = AcceptRows::new(messages);
    let recorded = RecordRows::new(records.iter().flat_map(|request| &request.updates));
    let events = events_json(
        accepted
            .events
            .iter()
            .chain(records.iter().flat_map(|request| &request.events)),
    );
    let sql = if messages.is_empty() {
        &*GROUP
    } else {
        &*SYNCED_GROUP
    };
    let query = sqlx::query(sql)
        .bind(accepted.messages)
        .bind(accepted.bodies)
        .bind(accepted.recipients)
        .bind(recorded.updates)
        .bind(recorded.touched)
        .bind(events);
    // Only the updates return rows, one per recipient updated.
    let updated = send_in_one_trip(conn, query).await?.len();
    record::warn_if_missing(recorded.recipients, updated);
    Ok(())
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
    async fn group_commits_of_any_size_reuse_the_same_prepared_statements() {
        use sqlx::Connection;
        let dir = tempfile::tempdir().unwrap();
        let commits = AtomicU64::new(0);
        let now = OffsetDateTime::now_utc();
        let mut conn = test_support::open_writer_in(&dir).await;
        let before = conn.cached_statements_size();
        let first = MessageId::new();
        let (a, _) = accept(message(first, now));
        assert!(commit_group(&mut conn, vec![a], Vec::new(), &commits).await);
        let (r, _) = delivered(first, now);
        commit_group(&mut conn, Vec::new(), vec![r], &commits).await;
        assert_eq!(
            conn.cached_statements_size(),
            before + 2,
            "a group with accepts and one of records alone, each kept prepared"
        );
        for size in [1, 3, 17] {
            let accepts = (0..size)
                .map(|_| accept(message(MessageId::new(), now)).0)
                .collect();
            let (r, _) = delivered(first, now);
            assert!(commit_group(&mut conn, accepts, vec![r], &commits).await);
            let (r, _) = delivered(first, now);
            commit_group(&mut conn, Vec::new(), vec![r], &commits).await;
            assert_eq!(
                conn.cached_statements_size(),
                before + 2,
                "a group of {size} needs no statement of its own"
            );
        }
    }

    #[test]
    fn large_bodies_are_split_into_runs_in_order_each_with_one_message_at_least() {
        let now = OffsetDateTime::now_utc();
        let sized = |size: usize| {
            let mut m = message(MessageId::new(), now);
            m.body = vec![b'x'; size];
            accept(m).0
        };
        let runs = by_body_bytes(vec![sized(40), sized(50), sized(200), sized(10)], 100);
        let sizes: Vec<Vec<usize>> = runs
            .iter()
            .map(|run| run.iter().map(|r| r.message.body.len()).collect())
            .collect();
        assert_eq!(sizes, vec![vec![40, 50], vec![200], vec![10]]);
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
