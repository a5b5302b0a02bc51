//! Group commit: the accepted messages and the outcome records that reach
//! the writer together go to SQLite in one transaction, in one trip, as
//! statements the connection keeps prepared.
//!
//! Under load both arrive many times a second, a few at a time. One
//! transaction for them all writes the pages they share (the recipients'
//! indexes) once, and pays one fsync and one hand-off to SQLite's thread
//! instead of one per request. When the group cannot commit, each request
//! is tried alone, so that one bad request does not sink its neighbours and
//! each gets its own answer. The events of what committed go to the
//! writer's event log, which writes them in batches of their own (see
//! `event_log`).

use super::accept::{
    AcceptRequest, AcceptRows, INSERT_MESSAGES, INSERT_RECIPIENTS, RELAXED_AFTER, SYNCED,
};
use super::event_log::EventLog;
use super::record::{self, REFRESH_PENDING, RecordRequest, RecordRows, UPDATE_RECIPIENTS};
use super::spool::{self, BodyAt, SharedSpool};
use super::transaction::send_in_one_trip;
use crate::{NewMessage, Result};
use mailflow_core::{Event, MessageBytes};
use sqlx::SqliteConnection;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The statements of a group commit, in the order of their parameters:
/// messages, recipients, updates, touched messages.
static GROUP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "BEGIN IMMEDIATE; {INSERT_MESSAGES}; {INSERT_RECIPIENTS}; {}; {REFRESH_PENDING}; COMMIT",
        *UPDATE_RECIPIENTS
    )
});

/// The group commit of a group with accepted messages: synced, and the
/// connection set back to `synchronous=NORMAL` after (see `writer`).
static SYNCED_GROUP: LazyLock<String> =
    LazyLock::new(|| format!("{SYNCED}; {}; {RELAXED_AFTER}", *GROUP));

/// Commits `accepts` and `records` and answers every request. With accepts,
/// the bodies go to the spool first, and the transaction is synced and the
/// connection set back to `synchronous=NORMAL` after; the answer is then
/// whether the last transaction with accepts did that. Records alone
/// commit under the connection's current setting. They are committed in
/// one transaction; when that fails, each alone. The events of what
/// committed are added to `log`.
pub async fn commit_group(
    conn: &mut SqliteConnection,
    spool: &SharedSpool,
    accepts: Vec<AcceptRequest>,
    records: Vec<RecordRequest>,
    log: &mut EventLog,
    commits: &AtomicU64,
) -> bool {
    let with_accepts = !accepts.is_empty();
    let (accepts, sent) = send(conn, spool, accepts, &records).await;
    match sent {
        Ok(received) => {
            commits.fetch_add(1, Ordering::Relaxed);
            log.add(received);
            for AcceptRequest { message, answer } in accepts {
                // The message's bytes are gone before its sender hears, so
                // the memory the sender reserved for them is given back
                // only once they are.
                drop(message);
                // The caller may have gone away; the message is durable regardless.
                let _ = answer.send(Ok(()));
            }
            for request in records {
                log.add(request.events);
                let _ = request.answer.send(Ok(()));
            }
            true
        }
        Err(error) if accepts.len() + records.len() > 1 => {
            tracing::warn!(%error, accepts = accepts.len(), records = records.len(), "group commit failed; committing one by one");
            let mut set_back = !with_accepts;
            for request in accepts {
                set_back = Box::pin(commit_group(
                    conn,
                    spool,
                    vec![request],
                    Vec::new(),
                    log,
                    commits,
                ))
                .await;
            }
            for request in records {
                Box::pin(commit_group(
                    conn,
                    spool,
                    Vec::new(),
                    vec![request],
                    log,
                    commits,
                ))
                .await;
            }
            set_back
        }
        Err(error) => {
            // The message (if any) is dropped before its answer goes.
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

/// The bodies to the spool, then the rows (see `write_rows`). The
/// requests go with their bodies to the spool's blocking write and come
/// back with the answer.
async fn send(
    conn: &mut SqliteConnection,
    spool: &SharedSpool,
    accepts: Vec<AcceptRequest>,
    records: &[RecordRequest],
) -> (Vec<AcceptRequest>, Result<Vec<Event>>) {
    if accepts.is_empty() {
        let written = write_rows(conn, &[], BodyAt::default(), records).await;
        return (accepts, written);
    }
    let (accepts, spooled) = spool::append(spool, accepts, body_of).await;
    let written = match spooled {
        Ok(spooled) => {
            let messages: Vec<&NewMessage> =
                accepts.iter().map(|request| &request.message).collect();
            write_rows(conn, &messages, spooled, records).await
        }
        Err(error) => Err(error),
    };
    (accepts, written)
}

fn body_of(request: &AcceptRequest) -> &MessageBytes {
    &request.message.body
}

/// One transaction, in one trip, of statements whose text is always the
/// same (see `json_rows`), so the connection keeps them prepared. Returns
/// the `received` events of the accepted messages.
async fn write_rows(
    conn: &mut SqliteConnection,
    messages: &[&NewMessage],
    spooled: BodyAt,
    records: &[RecordRequest],
) -> Result<Vec<Event>> {
    let accepted = AcceptRows::new(messages, spooled);
    let recorded = RecordRows::new(records.iter().flat_map(|request| &request.updates));
    let sql = if messages.is_empty() {
        &*GROUP
    } else {
        &*SYNCED_GROUP
    };
    let query = sqlx::query(sql)
        .bind(accepted.messages)
        .bind(accepted.recipients)
        .bind(recorded.updates)
        .bind(recorded.touched);
    // Only the updates return rows, one per recipient updated.
    let updated = send_in_one_trip(conn, query).await?.len();
    record::warn_if_missing(recorded.recipients, updated);
    Ok(accepted.events)
}

#[cfg(test)]
mod tests {
    use super::super::test_support;
    use super::*;
    use crate::{RecipientUpdate, StoreError};
    use mailflow_core::{EventKind, MessageId, RecipientState};
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
    ) -> (SqliteConnection, SharedSpool, MessageId) {
        let mut conn = test_support::open_writer_in(dir).await;
        let spool = test_support::spool_in(dir);
        let first = MessageId::new();
        let (a, a_answer) = accept(message(first, now));
        assert!(
            commit_group(
                &mut conn,
                &spool,
                vec![a],
                Vec::new(),
                &mut EventLog::default(),
                commits
            )
            .await
        );
        a_answer.await.unwrap().unwrap();
        (conn, spool, first)
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
        let event = Event {
            at,
            message_id: id,
            recipient: None,
            next_hop: None,
            connector: None,
            kind: EventKind::Delivered {
                reply: "250 ok".into(),
                server: None,
            },
        };
        let request = RecordRequest {
            updates: vec![update],
            events: vec![event],
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
        let mut log = EventLog::default();
        let dir = tempfile::tempdir().unwrap();
        let commits = AtomicU64::new(0);
        let now = OffsetDateTime::now_utc();
        let (mut conn, spool, first) = with_one_accepted(&dir, &commits, now).await;

        let second = MessageId::new();
        let (b, b_answer) = accept(message(second, now));
        let (r, r_answer) = delivered(first, now);
        assert!(commit_group(&mut conn, &spool, vec![b], vec![r], &mut log, &commits).await);
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
        let mut log = EventLog::default();
        use sqlx::Connection;
        let dir = tempfile::tempdir().unwrap();
        let commits = AtomicU64::new(0);
        let now = OffsetDateTime::now_utc();
        let mut conn = test_support::open_writer_in(&dir).await;
        let spool = test_support::spool_in(&dir);
        let before = conn.cached_statements_size();
        let first = MessageId::new();
        let (a, _) = accept(message(first, now));
        assert!(commit_group(&mut conn, &spool, vec![a], Vec::new(), &mut log, &commits).await);
        let (r, _) = delivered(first, now);
        commit_group(&mut conn, &spool, Vec::new(), vec![r], &mut log, &commits).await;
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
            assert!(commit_group(&mut conn, &spool, accepts, vec![r], &mut log, &commits).await);
            let (r, _) = delivered(first, now);
            commit_group(&mut conn, &spool, Vec::new(), vec![r], &mut log, &commits).await;
            assert_eq!(
                conn.cached_statements_size(),
                before + 2,
                "a group of {size} needs no statement of its own"
            );
        }
    }

    #[tokio::test]
    async fn a_bad_request_in_a_group_fails_alone_and_logs_no_event() {
        let mut log = EventLog::default();
        let dir = tempfile::tempdir().unwrap();
        let commits = AtomicU64::new(0);
        let now = OffsetDateTime::now_utc();
        let (mut conn, spool, first) = with_one_accepted(&dir, &commits, now).await;

        // The same id again cannot be stored; the group falls apart into
        // its requests, and only that one is refused.
        let second = MessageId::new();
        let (again, again_answer) = accept(message(first, now));
        let (b, b_answer) = accept(message(second, now));
        let (r, r_answer) = delivered(first, now);
        commit_group(
            &mut conn,
            &spool,
            vec![again, b],
            vec![r],
            &mut log,
            &commits,
        )
        .await;
        assert!(matches!(
            again_answer.await.unwrap(),
            Err(StoreError::Database(_))
        ));
        b_answer.await.unwrap().unwrap();
        r_answer.await.unwrap().unwrap();
        assert_eq!(state(&mut conn, first).await.as_deref(), Some("delivered"));
        assert_eq!(state(&mut conn, second).await.as_deref(), Some("queued"));
        let logged: Vec<(MessageId, &str)> = log
            .waiting()
            .iter()
            .map(|event| {
                (
                    event.message_id,
                    crate::columns::event_kind_name(&event.kind),
                )
            })
            .collect();
        assert_eq!(
            logged,
            [(second, "received"), (first, "delivered")],
            "the events of what committed, and only those"
        );
    }
}
