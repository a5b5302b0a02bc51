//! Writing accepted messages, many to a commit.
//!
//! A batch is written with a few multi-row statements. One bad message must
//! not sink its neighbours: when the batch fails, it is rolled back and each
//! message is tried alone, so that each gets its own answer (`Full` on a
//! full disk). A message's recipients are due at once, or when their
//! next hop's hold ends. The message's `received` event is written in the
//! same transaction, so that its trace starts where the queue does.

use super::codec::{id_to_db, json_to_db, ret_to_db, time_to_db};
use super::transaction::OneTrip;
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
///
/// Each transaction commits with `synchronous=FULL` and sets the
/// connection back to `NORMAL` after (see `writer`), in the same trip.
/// Returns whether the last transaction committed, and so whether the
/// connection was set back.
pub async fn commit_accepts(
    conn: &mut SqliteConnection,
    batch: Vec<AcceptRequest>,
    commits: &AtomicU64,
) -> bool {
    let messages: Vec<&NewMessage> = batch.iter().map(|request| &request.message).collect();
    if messages.is_empty() {
        return true;
    }
    match insert_and_commit(conn, &messages).await {
        Ok(()) => {
            commits.fetch_add(1, Ordering::Relaxed);
            answer_all(batch);
            true
        }
        Err(error) if batch.len() > 1 => {
            tracing::warn!(%error, messages = batch.len(), "group commit failed; committing one by one");
            let mut last = false;
            for request in batch {
                last = Box::pin(commit_accepts(conn, vec![request], commits)).await;
            }
            last
        }
        Err(error) => {
            if let Some(request) = batch.into_iter().next() {
                let _ = request.answer.send(Err(error));
            }
            false
        }
    }
}

fn answer_all(batch: Vec<AcceptRequest>) {
    for request in batch {
        // The caller may have gone away; the message is durable regardless.
        let _ = request.answer.send(Ok(()));
    }
}

/// Writes the messages, their recipients and their `received` events with
/// a few multi-row statements, sent with the transaction's `BEGIN` and
/// `COMMIT` in one trip (see `OneTrip`): one statement per row, and then
/// one trip per statement, were most of a message's cost.
async fn insert_and_commit(conn: &mut SqliteConnection, messages: &[&NewMessage]) -> Result<()> {
    let rows = AcceptRows::new(messages);
    let mut trip = OneTrip::between(SYNCED, RELAXED_AFTER);
    rows.push(trip.sql());
    trip.commit(conn).await.map(drop)
}

/// Sent ahead of a transaction that holds accepted messages: a `250` is
/// only said once the message is on disk (see `writer`).
pub const SYNCED: &str = "PRAGMA synchronous = FULL; ";
/// Sent after it: the relay's bookkeeping that follows skips the fsync.
pub const RELAXED_AFTER: &str = "PRAGMA synchronous = NORMAL";

/// What a batch of accepted messages writes: the rows the statements bind
/// must live as long as the trip.
pub struct AcceptRows<'m> {
    messages: &'m [&'m NewMessage],
    recipients: Vec<(&'m NewMessage, usize, &'m NewRecipient)>,
    events: Vec<Event>,
}

impl<'m> AcceptRows<'m> {
    pub fn new(messages: &'m [&'m NewMessage]) -> AcceptRows<'m> {
        let recipients = messages
            .iter()
            .flat_map(|message| {
                message
                    .recipients
                    .iter()
                    .enumerate()
                    .map(move |(index, recipient)| (*message, index, recipient))
            })
            .collect();
        let events = messages
            .iter()
            .map(|message| received_event(message))
            .collect();
        AcceptRows {
            messages,
            recipients,
            events,
        }
    }

    /// Pushes the statements (no rows returned).
    pub fn push<'a>(&'a self, sql: &mut QueryBuilder<'a, Sqlite>) {
        push_insert_messages(sql, self.messages);
        push_insert_recipients(sql, &self.recipients);
        super::events::push_insert_events(sql, &self.events);
    }
}

/// Rows per `INSERT`, so that a statement stays far below SQLite's limit
/// of 32766 parameters (eleven per message, ten per recipient).
const ROWS_PER_STATEMENT: usize = 1000;

fn push_insert_messages<'a>(sql: &mut QueryBuilder<'a, Sqlite>, messages: &[&'a NewMessage]) {
    for chunk in messages.chunks(ROWS_PER_STATEMENT) {
        sql.push(
            "INSERT INTO messages (id, org, sender, received_at, expires_at, dsn_ret, dsn_envid, \
             size, delay_notice_sent, pending, body) ",
        );
        sql.push_values(chunk, |mut row, message| {
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
        sql.push("; ");
    }
}

/// A recipient is due at once, or when its next hop's hold ends (see
/// `holds`): the holds are joined once per statement.
fn push_insert_recipients<'a>(
    sql: &mut QueryBuilder<'a, Sqlite>,
    rows: &[(&'a NewMessage, usize, &'a NewRecipient)],
) {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        sql.push(
            "INSERT INTO recipients (message_id, idx, address, dsn_notify, dsn_orcpt, \
             route_connector, route_domain, next_hop, org, received_at, state, attempts, \
             next_attempt_at, updated_at) \
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, \
             v.column7, v.column8, v.column9, v.column10, 'queued', 0, \
             MAX(v.column10, COALESCE(h.until_at, 0)), v.column10 FROM (",
        );
        sql.push_values(chunk, |mut row, (message, index, recipient)| {
            row.push_bind(id_to_db(message.id))
                .push_bind(i64::try_from(*index).unwrap_or(i64::MAX))
                .push_bind(&recipient.address)
                .push_bind(recipient.dsn.notify.as_ref().map(json_to_db))
                .push_bind(&recipient.dsn.orcpt)
                .push_bind(&recipient.route.connector)
                .push_bind(&recipient.route.domain)
                .push_bind(&recipient.next_hop)
                .push_bind(&message.org)
                .push_bind(time_to_db(message.received_at));
        });
        sql.push(") v LEFT JOIN next_hop_holds h ON h.next_hop = v.column8; ");
    }
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
