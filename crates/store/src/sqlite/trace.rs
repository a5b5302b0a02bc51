//! The message trace: messages found by id (mailflow's or their
//! `Message-ID:` header's), sender, recipient, time and
//! status, each with every event recorded about it, oldest first.
//!
//! A search by recipient walks the recipients' address index newest first
//! (see `by_recipient`) and one by sender the messages' sender index (both
//! without regard to ASCII case); a search by time alone walks the arrival
//! index.

use super::by_recipient;
use super::codec::{id_to_db, push_ids, time_to_db};
use super::reads::newest_first;
use super::rows::ENVELOPE_COLUMNS;
use crate::insight_rows;
use crate::message_query::MessageQuery;
use crate::{Result, StoredMessage, TraceFilter, TracedMessage};
use mailflow_core::Event;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

pub async fn trace(
    conn: &mut SqliteConnection,
    filter: &TraceFilter,
) -> Result<Vec<TracedMessage>> {
    let messages = matching_messages(conn, filter).await?;
    let events = events_of(conn, &messages).await?;
    Ok(insight_rows::traced(messages, events))
}

async fn matching_messages(
    conn: &mut SqliteConnection,
    filter: &TraceFilter,
) -> Result<Vec<StoredMessage>> {
    let query = MessageQuery::of_trace(filter);
    if query.walks_recipients() {
        return by_recipient::messages(conn, &query).await;
    }
    let mut query =
        QueryBuilder::<Sqlite>::new(format!("SELECT {ENVELOPE_COLUMNS} FROM messages m WHERE 1"));
    if let Some(id) = filter.message_id {
        query.push(" AND m.id = ").push_bind(id_to_db(id));
    }
    if let Some(header) = &filter.message_id_header {
        query
            .push(" AND m.message_id_header = ")
            .push_bind(header.clone());
    }
    if let Some(org) = &filter.org {
        query.push(" AND m.org = ").push_bind(org.clone());
    }
    if let Some(sender) = &filter.sender {
        query
            .push(" AND LOWER(m.sender) = LOWER(")
            .push_bind(sender.clone())
            .push(")");
    }
    if let Some(since) = filter.since {
        query
            .push(" AND m.received_at >= ")
            .push_bind(time_to_db(since));
    }
    if let Some(until) = filter.until {
        query
            .push(" AND m.received_at < ")
            .push_bind(time_to_db(until));
    }
    push_recipient_filter(&mut query, filter);
    newest_first(conn, query, filter.limit).await
}

/// The recipient and the status narrow to messages with one recipient that
/// matches both; with an address, the address index finds the candidates.
fn push_recipient_filter(query: &mut QueryBuilder<Sqlite>, filter: &TraceFilter) {
    if filter.recipient.is_none() && filter.status.is_none() {
        return;
    }
    query.push(" AND m.id IN (SELECT r.message_id FROM recipients r WHERE 1");
    if let Some(recipient) = &filter.recipient {
        query
            .push(" AND LOWER(r.address) = LOWER(")
            .push_bind(recipient.clone())
            .push(")");
    }
    if let Some(status) = filter.status {
        query.push(" AND r.state = ").push_bind(status.as_str());
    }
    query.push(")");
}

/// The events of `messages`, each message's oldest first.
async fn events_of(conn: &mut SqliteConnection, messages: &[StoredMessage]) -> Result<Vec<Event>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::<Sqlite>::new("SELECT event FROM events WHERE message_id IN (");
    push_ids(&mut query, messages.iter().map(|message| message.id));
    query.push(") ORDER BY message_id, at, seq");
    let rows = query.build().fetch_all(conn).await?;
    rows.iter().map(insight_rows::event).collect()
}
