//! Writing accepted messages, many to a commit.
//!
//! One bad message must not sink its neighbours in a group commit: when a
//! message fails, the batch is rolled back, that message gets its error and
//! the others are committed again without it. When the commit itself fails,
//! each message is tried alone so that each gets its own answer (`Full` on
//! a full disk). A message's recipients are due at once, or when their
//! next hop's hold ends. The message's `received` event is written in the
//! same transaction, so that its trace starts where the queue does.

use super::codec::{id_to_db, json_to_db, ret_to_db, time_to_db};
use super::transaction::{begin, commit, rollback};
use crate::{NewMessage, NewRecipient, Result};
use mailflow_core::{Event, EventKind};
use sqlx::SqliteConnection;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::oneshot;

pub struct AcceptRequest {
    pub message: NewMessage,
    pub answer: oneshot::Sender<Result<()>>,
}

/// Why a batch did not commit.
enum BatchFailure {
    /// Inserting the message at this position failed.
    Message(usize, crate::StoreError),
    /// Beginning or committing failed.
    Transaction(crate::StoreError),
}

/// Commits `batch` (possibly in several tries) and answers every request.
pub async fn commit_accepts(
    conn: &mut SqliteConnection,
    mut batch: Vec<AcceptRequest>,
    commits: &AtomicU64,
) {
    while !batch.is_empty() {
        match insert_and_commit(conn, &batch).await {
            Ok(()) => {
                commits.fetch_add(1, Ordering::Relaxed);
                answer_all(batch);
                return;
            }
            Err(BatchFailure::Message(position, error)) => {
                let failed = batch.remove(position);
                let _ = failed.answer.send(Err(error));
            }
            Err(BatchFailure::Transaction(error)) if batch.len() > 1 => {
                tracing::warn!(%error, messages = batch.len(), "group commit failed; committing one by one");
                commit_one_by_one(conn, batch, commits).await;
                return;
            }
            Err(BatchFailure::Transaction(error)) => {
                let failed = batch.remove(0);
                let _ = failed.answer.send(Err(error));
            }
        }
    }
}

async fn commit_one_by_one(
    conn: &mut SqliteConnection,
    batch: Vec<AcceptRequest>,
    commits: &AtomicU64,
) {
    for request in batch {
        Box::pin(commit_accepts(conn, vec![request], commits)).await;
    }
}

fn answer_all(batch: Vec<AcceptRequest>) {
    for request in batch {
        // The caller may have gone away; the message is durable regardless.
        let _ = request.answer.send(Ok(()));
    }
}

async fn insert_and_commit(
    conn: &mut SqliteConnection,
    batch: &[AcceptRequest],
) -> std::result::Result<(), BatchFailure> {
    begin(conn).await.map_err(BatchFailure::Transaction)?;
    for (position, request) in batch.iter().enumerate() {
        if let Err(error) = insert_message(conn, &request.message).await {
            rollback(conn).await;
            let error = super::failure::write_error(error);
            return Err(BatchFailure::Message(position, error));
        }
    }
    commit(conn).await.map_err(BatchFailure::Transaction)
}

async fn insert_message(conn: &mut SqliteConnection, message: &NewMessage) -> sqlx::Result<()> {
    let pending = !message.recipients.is_empty();
    sqlx::query(
        "INSERT INTO messages (id, org, sender, received_at, expires_at, dsn_ret, dsn_envid, \
         size, delay_notice_sent, pending, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
    )
    .bind(id_to_db(message.id))
    .bind(&message.org)
    .bind(&message.sender)
    .bind(time_to_db(message.received_at))
    .bind(time_to_db(message.expires_at))
    .bind(message.dsn.ret.map(ret_to_db))
    .bind(&message.dsn.envid)
    .bind(i64::try_from(message.body.len()).unwrap_or(i64::MAX))
    .bind(pending)
    .bind(&message.body)
    .execute(&mut *conn)
    .await?;
    for (index, recipient) in message.recipients.iter().enumerate() {
        insert_recipient(conn, message, index, recipient).await?;
    }
    super::events::insert_event(conn, &received_event(message)).await
}

/// The trace's first line: who handed the message over, and what it was.
fn received_event(message: &NewMessage) -> Event {
    Event {
        at: message.received_at,
        message_id: message.id,
        recipient: None,
        next_hop: None,
        connector: None,
        kind: EventKind::Received {
            sender: message.sender.clone(),
            recipients: message.recipients.len(),
            size: u64::try_from(message.body.len()).unwrap_or(u64::MAX),
            client: message.client.clone(),
        },
    }
}

/// See `holds` for why a recipient of a held next hop is due at the hold's end.
async fn insert_recipient(
    conn: &mut SqliteConnection,
    message: &NewMessage,
    index: usize,
    recipient: &NewRecipient,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO recipients (message_id, idx, address, dsn_notify, dsn_orcpt, \
         route_connector, route_domain, next_hop, state, attempts, next_attempt_at, updated_at, \
         org, received_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', 0, \
         MAX(?9, COALESCE((SELECT until_at FROM next_hop_holds WHERE next_hop = ?8), ?9)), ?9, \
         ?10, ?9)",
    )
    .bind(id_to_db(message.id))
    .bind(i64::try_from(index).unwrap_or(i64::MAX))
    .bind(&recipient.address)
    .bind(recipient.dsn.notify.as_ref().map(json_to_db))
    .bind(&recipient.dsn.orcpt)
    .bind(&recipient.route.connector)
    .bind(&recipient.route.domain)
    .bind(&recipient.next_hop)
    .bind(time_to_db(message.received_at))
    .bind(&message.org)
    .execute(conn)
    .await?;
    Ok(())
}
