//! The message trace: messages found by id (mailflow's or their
//! `Message-ID:` header's), sender, recipient, time and
//! status, each with every event recorded about it, oldest first.
//!
//! A search by recipient walks the recipients' address index newest first
//! (see `by_recipient`) and one by sender the messages' sender index (both
//! without regard to ASCII case); a search by time alone walks the arrival
//! index.

use super::by_recipient::{self, RecipientWalk};
use super::codec::{id_to_db, json_from_db, push_ids, time_to_db};
use super::reads::newest_first;
use super::rows::ENVELOPE_COLUMNS;
use crate::{Result, StoredMessage, TraceFilter, TracedMessage};
use mailflow_core::{Event, MessageId};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::HashMap;

pub async fn trace(
    conn: &mut SqliteConnection,
    filter: &TraceFilter,
) -> Result<Vec<TracedMessage>> {
    let messages = matching_messages(conn, filter).await?;
    let mut events = events_of(conn, &messages).await?;
    Ok(messages
        .into_iter()
        .map(|message| {
            let events = events.remove(&message.id).unwrap_or_default();
            TracedMessage { message, events }
        })
        .collect())
}

async fn matching_messages(
    conn: &mut SqliteConnection,
    filter: &TraceFilter,
) -> Result<Vec<StoredMessage>> {
    if filter.message_id.is_none() && filter.message_id_header.is_none() {
        let walk = RecipientWalk {
            address: filter.recipient.as_deref(),
            state: filter.status,
            org: filter.org.as_deref(),
            sender: filter.sender.as_deref(),
            received_after: filter.since,
            received_before: filter.until,
            limit: filter.limit,
            ..RecipientWalk::default()
        };
        if walk.applies() {
            return by_recipient::messages(conn, &walk).await;
        }
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

async fn events_of(
    conn: &mut SqliteConnection,
    messages: &[StoredMessage],
) -> Result<HashMap<MessageId, Vec<Event>>> {
    let mut by_message: HashMap<MessageId, Vec<Event>> = HashMap::new();
    if messages.is_empty() {
        return Ok(by_message);
    }
    let mut query = QueryBuilder::<Sqlite>::new("SELECT event FROM events WHERE message_id IN (");
    push_ids(&mut query, messages.iter().map(|message| message.id));
    query.push(") ORDER BY message_id, at, seq");
    for row in query.build().fetch_all(conn).await? {
        let event: Event = json_from_db("event", row.try_get::<&str, _>("event")?)?;
        by_message.entry(event.message_id).or_default().push(event);
    }
    Ok(by_message)
}
