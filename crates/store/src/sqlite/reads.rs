//! Reading the queue: messages with their recipients, bodies, listings,
//! events, holds and organisation settings.
//!
//! Reads go through the read pool and never wait for the writer: in WAL
//! mode they see the last committed state while a group commit is running.

use super::by_recipient;
use super::codec::{count_to_u64, id_from_db, id_to_db, limit_to_db, push_ids, time_to_db};
use super::rows::{self, ENVELOPE_COLUMNS, Envelope, HOLD_COLUMNS, RECIPIENT_COLUMNS};
use super::spool::{BodyAt, BodyRead, SpoolReader};
use crate::columns::ColumnRow;
use crate::message_query::MessageQuery;
use crate::{MessageFilter, NextHopHold, Result, StoredBody, StoredMessage, StoredRecipient};
use mailflow_core::{Event, MessageId};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use std::collections::HashMap;

pub async fn message(conn: &mut SqliteConnection, id: MessageId) -> Result<Option<StoredMessage>> {
    let sql = format!("SELECT {ENVELOPE_COLUMNS} FROM messages WHERE id = ?");
    let row = sqlx::query(&sql)
        .bind(id_to_db(id))
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut messages = with_recipients(conn, vec![rows::envelope(&row)?]).await?;
    Ok(messages.pop())
}

pub async fn body(
    conn: &mut SqliteConnection,
    spool: &SpoolReader,
    id: MessageId,
) -> Result<Option<Vec<u8>>> {
    Ok(bodies(conn, spool, &[id]).await?.remove(&id))
}

/// Ids per statement, far below SQLite's limit on parameters.
const IDS_PER_STATEMENT: usize = 500;

/// The bodies of `ids` that exist, by id: one statement for a claimed
/// batch rather than one per message, and one read of the spool. A body
/// whose spool segment is gone (its message finished) is left out, as is
/// a message that is not there.
pub async fn bodies(
    conn: &mut SqliteConnection,
    spool: &SpoolReader,
    ids: &[MessageId],
) -> Result<HashMap<MessageId, Vec<u8>>> {
    let mut bodies = HashMap::with_capacity(ids.len());
    let mut spooled = Vec::new();
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let mut select = QueryBuilder::<Sqlite>::new(
            "SELECT id, body, body_segment, body_offset, size FROM messages WHERE id IN (",
        );
        push_ids(&mut select, chunk.iter().copied());
        select.push(")");
        for row in select
            .build()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await?
        {
            let id = id_from_db(row.try_get("id")?)?;
            match row.try_get::<Option<i64>, _>("body_segment")? {
                // Written before the spool: the body is in the row.
                None => {
                    bodies.insert(id, row.try_get("body")?);
                }
                Some(segment) => spooled.push(BodyRead {
                    key: id,
                    at: BodyAt {
                        segment: count_to_u64("body_segment", segment)?,
                        offset: count_to_u64("body_offset", row.try_get("body_offset")?)?,
                    },
                    len: count_to_u64("size", row.try_get("size")?)?,
                }),
            }
        }
    }
    bodies.extend(spool.read(spooled).await?);
    Ok(bodies)
}

/// Where the bodies of `ids` that exist lie, by id, without reading them
/// (see `StoredBody`). As with `bodies`, a body whose spool segment is gone
/// is left out.
pub async fn stored_bodies(
    conn: &mut SqliteConnection,
    pool: &SqlitePool,
    spool: &SpoolReader,
    ids: &[MessageId],
) -> Result<HashMap<MessageId, StoredBody>> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let mut select = QueryBuilder::<Sqlite>::new(
            "SELECT id, body_segment, body_offset, size, eight_bit FROM messages WHERE id IN (",
        );
        push_ids(&mut select, chunk.iter().copied());
        select.push(")");
        for row in select
            .build()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await?
        {
            let id = id_from_db(row.try_get("id")?)?;
            let len = count_to_u64("size", row.try_get("size")?)?;
            let body = match row.try_get::<Option<i64>, _>("body_segment")? {
                None => StoredBody::in_row(pool.clone(), id, len, None),
                Some(segment) => {
                    let path = spool.segment_path(count_to_u64("body_segment", segment)?);
                    if !tokio::fs::try_exists(&path).await? {
                        continue;
                    }
                    let offset = count_to_u64("body_offset", row.try_get("body_offset")?)?;
                    let eight_bit = row.opt_flag("eight_bit")?;
                    StoredBody::spooled(path, offset, len, eight_bit)
                }
            };
            found.insert(id, body);
        }
    }
    Ok(found)
}

/// Messages (newest first) that have a recipient matching every recipient
/// filter given, of the filter's organisation and sent by its sender if
/// they are given, received in the filter's time range, after its cursor.
/// Addresses compare without regard to ASCII case. A limit of 0 is no limit.
/// With a recipient or a code, the recipients' index on it is walked (see
/// `by_recipient`); else the messages, newest first.
pub async fn list_messages(
    conn: &mut SqliteConnection,
    filter: &MessageFilter,
) -> Result<Vec<StoredMessage>> {
    let query = MessageQuery::of_listing(filter);
    if query.walks_recipients() {
        return by_recipient::messages(conn, &query).await;
    }
    let mut query =
        QueryBuilder::<Sqlite>::new(format!("SELECT {ENVELOPE_COLUMNS} FROM messages m WHERE "));
    if let Some(org) = &filter.org {
        query.push("m.org = ").push_bind(org.clone()).push(" AND ");
    }
    if let Some(sender) = &filter.sender {
        query
            .push("LOWER(m.sender) = LOWER(")
            .push_bind(sender.clone())
            .push(") AND ");
    }
    if let Some(before) = filter.received_before {
        query
            .push("m.received_at < ")
            .push_bind(time_to_db(before))
            .push(" AND ");
    }
    if let Some(after) = filter.received_after {
        query
            .push("m.received_at >= ")
            .push_bind(time_to_db(after))
            .push(" AND ");
    }
    if let Some(cursor) = filter.after {
        // Newest first: the next page holds what sorts before the cursor.
        query
            .push("(m.received_at, m.id) < (")
            .push_bind(time_to_db(cursor.received_at))
            .push(", ")
            .push_bind(id_to_db(cursor.id))
            .push(") AND ");
    }
    query.push("EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id");
    if let Some(state) = filter.state {
        query.push(" AND r.state = ").push_bind(state.as_str());
    }
    if let Some(connector) = &filter.connector {
        query
            .push(" AND r.route_connector = ")
            .push_bind(connector.clone());
    }
    if let Some(code) = &filter.code {
        query
            .push(" AND r.last_error_code = ")
            .push_bind(code.clone());
    }
    if let Some(recipient) = &filter.recipient {
        query
            .push(" AND LOWER(r.address) = LOWER(")
            .push_bind(recipient.clone())
            .push(")");
    }
    query.push(")");
    newest_first(conn, query, filter.limit).await
}

/// Orders an envelope query (over `messages m`) newest first, keeps at most
/// `limit` messages (0: no limit) and loads their recipients.
pub async fn newest_first(
    conn: &mut SqliteConnection,
    mut query: QueryBuilder<'_, Sqlite>,
    limit: usize,
) -> Result<Vec<StoredMessage>> {
    query.push(" ORDER BY m.received_at DESC, m.id DESC");
    if limit > 0 {
        query.push(" LIMIT ").push_bind(limit_to_db(limit));
    }
    messages_where(conn, query.build()).await
}

/// Loads the recipients of `envelopes`, keeping the envelopes' order.
pub async fn with_recipients(
    conn: &mut SqliteConnection,
    envelopes: Vec<Envelope>,
) -> Result<Vec<StoredMessage>> {
    if envelopes.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {RECIPIENT_COLUMNS} FROM recipients WHERE message_id IN ("
    ));
    push_ids(&mut query, envelopes.iter().map(|envelope| envelope.id));
    query.push(") ORDER BY message_id, idx");
    let mut by_message: HashMap<MessageId, Vec<StoredRecipient>> = HashMap::new();
    for row in query.build().fetch_all(conn).await? {
        let id = rows::recipient_message_id(&row)?;
        by_message
            .entry(id)
            .or_default()
            .push(rows::recipient(&row)?);
    }
    Ok(envelopes
        .into_iter()
        .map(|envelope| {
            let recipients = by_message.remove(&envelope.id).unwrap_or_default();
            envelope.with_recipients(recipients)
        })
        .collect())
}

/// Runs an envelope query and loads the recipients of what it found.
pub async fn messages_where<'q>(
    conn: &mut SqliteConnection,
    query: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
) -> Result<Vec<StoredMessage>> {
    let rows = query.fetch_all(&mut *conn).await?;
    let envelopes = rows
        .iter()
        .map(rows::envelope)
        .collect::<Result<Vec<_>>>()?;
    with_recipients(conn, envelopes).await
}

pub async fn events(conn: &mut SqliteConnection, id: MessageId) -> Result<Vec<Event>> {
    let rows = sqlx::query("SELECT event FROM events WHERE message_id = ? ORDER BY at, seq")
        .bind(id_to_db(id))
        .fetch_all(conn)
        .await?;
    rows.iter().map(crate::insight_rows::event).collect()
}

pub async fn next_hop_hold(
    conn: &mut SqliteConnection,
    next_hop: &str,
) -> Result<Option<NextHopHold>> {
    let sql = format!("SELECT {HOLD_COLUMNS} FROM next_hop_holds WHERE next_hop = ?");
    let row = sqlx::query(&sql)
        .bind(next_hop)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(rows::hold).transpose()
}
