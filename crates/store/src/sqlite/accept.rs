//! Writing accepted messages, many to a commit.
//!
//! A batch is written with a few multi-row statements. One bad message must
//! not sink its neighbours: when the batch fails, it is rolled back and each
//! message is tried alone, so that each gets its own answer (`Full` on a
//! full disk). A message's recipients are due at once, or when their
//! next hop's hold ends. The message's `received` event is written in the
//! same transaction, so that its trace starts where the queue does.

use super::codec::{id_to_db, json_to_db, ret_to_db, time_to_db};
use super::transaction::{begin, commit, rollback};
use crate::{NewMessage, NewRecipient, Result};
use mailflow_core::{Event, EventKind};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::oneshot;

pub struct AcceptRequest {
    pub message: NewMessage,
    pub answer: oneshot::Sender<Result<()>>,
}

/// Commits `batch` and answers every request. When the batch cannot commit
/// as a whole, each message is tried alone, so that one bad message does not
/// sink its neighbours and each gets its own answer (`Full` on a full disk).
pub async fn commit_accepts(
    conn: &mut SqliteConnection,
    batch: Vec<AcceptRequest>,
    commits: &AtomicU64,
) {
    if batch.is_empty() {
        return;
    }
    let messages: Vec<&NewMessage> = batch.iter().map(|request| &request.message).collect();
    match insert_and_commit(conn, &messages).await {
        Ok(()) => {
            commits.fetch_add(1, Ordering::Relaxed);
            answer_all(batch);
        }
        Err(error) if batch.len() > 1 => {
            tracing::warn!(%error, messages = batch.len(), "group commit failed; committing one by one");
            for request in batch {
                Box::pin(commit_accepts(conn, vec![request], commits)).await;
            }
        }
        Err(error) => {
            if let Some(request) = batch.into_iter().next() {
                let _ = request.answer.send(Err(error));
            }
        }
    }
}

fn answer_all(batch: Vec<AcceptRequest>) {
    for request in batch {
        // The caller may have gone away; the message is durable regardless.
        let _ = request.answer.send(Ok(()));
    }
}

async fn insert_and_commit(conn: &mut SqliteConnection, messages: &[&NewMessage]) -> Result<()> {
    begin(conn).await?;
    if let Err(error) = insert_messages(conn, messages).await {
        rollback(conn).await;
        return Err(super::failure::write_error(error));
    }
    commit(conn).await
}

/// Rows per `INSERT`, so that a statement stays far below SQLite's limit
/// of 32766 parameters (ten per message, ten per recipient).
const ROWS_PER_STATEMENT: usize = 1000;

/// Inserts the messages, their recipients and their `received` events with
/// a few multi-row statements: every statement is a round trip to SQLite's
/// worker thread, and one per row was most of a message's cost.
async fn insert_messages(
    conn: &mut SqliteConnection,
    messages: &[&NewMessage],
) -> sqlx::Result<()> {
    for chunk in messages.chunks(ROWS_PER_STATEMENT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO messages (id, org, sender, received_at, expires_at, dsn_ret, dsn_envid, \
             size, delay_notice_sent, pending, body) ",
        );
        insert.push_values(chunk, |mut row, message| {
            row.push_bind(id_to_db(message.id))
                .push_bind(&message.org)
                .push_bind(&message.sender)
                .push_bind(time_to_db(message.received_at))
                .push_bind(time_to_db(message.expires_at))
                .push_bind(message.dsn.ret.map(ret_to_db))
                .push_bind(&message.dsn.envid)
                .push_bind(i64::try_from(message.body.len()).unwrap_or(i64::MAX))
                .push("0")
                .push_bind(!message.recipients.is_empty())
                .push_bind(&message.body);
        });
        insert.build().persistent(false).execute(&mut *conn).await?;
    }
    insert_recipients(conn, messages).await?;
    let events: Vec<Event> = messages
        .iter()
        .map(|message| received_event(message))
        .collect();
    super::events::insert_events(conn, &events).await
}

/// A recipient is due at once, or when its next hop's hold ends (see
/// `holds`); the holds are read once for the whole batch.
async fn insert_recipients(
    conn: &mut SqliteConnection,
    messages: &[&NewMessage],
) -> sqlx::Result<()> {
    let hold_ends = super::holds::hold_ends(conn).await?;
    let rows: Vec<(&NewMessage, usize, &NewRecipient)> = messages
        .iter()
        .flat_map(|message| {
            message
                .recipients
                .iter()
                .enumerate()
                .map(move |(index, recipient)| (*message, index, recipient))
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO recipients (message_id, idx, address, dsn_notify, dsn_orcpt, \
             route_connector, route_domain, next_hop, state, attempts, next_attempt_at, \
             updated_at, org, received_at) ",
        );
        insert.push_values(chunk, |mut row, (message, index, recipient)| {
            let received = time_to_db(message.received_at);
            let due = hold_ends
                .get(&recipient.next_hop)
                .map_or(received, |&until| until.max(received));
            row.push_bind(id_to_db(message.id))
                .push_bind(i64::try_from(*index).unwrap_or(i64::MAX))
                .push_bind(&recipient.address)
                .push_bind(recipient.dsn.notify.as_ref().map(json_to_db))
                .push_bind(&recipient.dsn.orcpt)
                .push_bind(&recipient.route.connector)
                .push_bind(&recipient.route.domain)
                .push_bind(&recipient.next_hop)
                .push("'queued', 0")
                .push_bind(due)
                .push_bind(received)
                .push_bind(&message.org)
                .push_bind(received);
        });
        insert.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
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
