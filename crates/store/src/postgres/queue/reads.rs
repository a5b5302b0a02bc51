//! Reading the shared queue: messages with their recipients, and bodies.

use crate::columns::{ColumnRow, count_to_u64, id_from_db, id_to_db};
use crate::queue_rows::{ENVELOPE_COLUMNS, Envelope, envelope, recipient, recipient_message_id};
use crate::{Result, StoredBody, StoredMessage, StoredRecipient};
use mailflow_core::MessageId;
use sqlx::postgres::PgArguments;
use sqlx::{PgPool, Postgres};
use std::collections::HashMap;

/// The columns of `recipients` that make a `StoredRecipient`, read from
/// `recipients` unaliased. A waiting recipient of a held next hop is due
/// when the hold ends, and reads say so.
pub const RECIPIENT_COLUMNS: &str = "message_id, idx, address, dsn_notify, dsn_orcpt, \
     route_connector, route_domain, next_hop, state, attempts, \
     CASE WHEN state IN ('queued', 'deferred') THEN GREATEST(next_attempt_at, \
       (SELECT h.until_at FROM next_hop_holds h WHERE h.next_hop = recipients.next_hop)) \
     ELSE next_attempt_at END AS next_attempt_at, \
     last_error, delivered_reply, updated_at";

pub async fn message(pool: &PgPool, id: MessageId) -> Result<Option<StoredMessage>> {
    let sql = format!("SELECT {ENVELOPE_COLUMNS} FROM messages WHERE id = $1");
    let query = sqlx::query(&sql).bind(id_to_db(id));
    Ok(messages_where(pool, query).await?.pop())
}

/// Runs an envelope query and loads the recipients of what it found,
/// keeping the query's order.
pub async fn messages_where<'q>(
    pool: &PgPool,
    query: sqlx::query::Query<'q, Postgres, PgArguments>,
) -> Result<Vec<StoredMessage>> {
    let rows = query.fetch_all(pool).await?;
    let envelopes = rows.iter().map(envelope).collect::<Result<Vec<_>>>()?;
    with_recipients(pool, envelopes).await
}

/// Loads the recipients of `envelopes`, keeping the envelopes' order.
pub async fn with_recipients(
    pool: &PgPool,
    envelopes: Vec<Envelope>,
) -> Result<Vec<StoredMessage>> {
    if envelopes.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Vec<u8>> = envelopes.iter().map(|e| id_to_db(e.id)).collect();
    let sql = format!(
        "SELECT {RECIPIENT_COLUMNS} FROM recipients WHERE message_id = ANY($1) \
         ORDER BY message_id, idx"
    );
    let mut by_message: HashMap<MessageId, Vec<StoredRecipient>> = HashMap::new();
    for row in sqlx::query(&sql).bind(ids).fetch_all(pool).await? {
        by_message
            .entry(recipient_message_id(&row)?)
            .or_default()
            .push(recipient(&row)?);
    }
    Ok(envelopes
        .into_iter()
        .map(|envelope| {
            let recipients = by_message.remove(&envelope.id).unwrap_or_default();
            envelope.with_recipients(recipients)
        })
        .collect())
}

/// The bodies of those of `ids` that exist, whole, by id: one statement.
pub async fn bodies(pool: &PgPool, ids: &[MessageId]) -> Result<HashMap<MessageId, Vec<u8>>> {
    let rows = sqlx::query(
        "SELECT message_id, bytes FROM bodies WHERE message_id = ANY($1) \
         ORDER BY message_id, piece",
    )
    .bind(ids.iter().map(|id| id_to_db(*id)).collect::<Vec<_>>())
    .fetch_all(pool)
    .await?;
    let mut bodies: HashMap<MessageId, Vec<u8>> = HashMap::with_capacity(ids.len());
    for row in &rows {
        let id = id_from_db(&row.bytes("message_id")?)?;
        bodies.entry(id).or_default().extend(row.bytes("bytes")?);
    }
    Ok(bodies)
}

/// Where the bodies of those of `ids` that exist lie, to be read piece by
/// piece (see `StoredBody`); nothing of them is read here.
pub async fn stored_bodies(
    pool: &PgPool,
    ids: &[MessageId],
) -> Result<HashMap<MessageId, StoredBody>> {
    let rows = sqlx::query(
        "SELECT id, size, eight_bit, \
                (SELECT COUNT(*) FROM bodies b WHERE b.message_id = m.id) AS pieces \
         FROM messages m WHERE id = ANY($1)",
    )
    .bind(ids.iter().map(|id| id_to_db(*id)).collect::<Vec<_>>())
    .fetch_all(pool)
    .await?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in &rows {
        let id = id_from_db(&row.bytes("id")?)?;
        let len = count_to_u64("size", row.int("size")?)?;
        let pieces = count_to_u64("pieces", row.int("pieces")?)?;
        // A message whose body is gone (kept for its trace) has none to send.
        if pieces > 0 || len == 0 {
            let eight_bit = row.opt_flag("eight_bit")?;
            found.insert(id, StoredBody::in_pieces(pool.clone(), id, len, eight_bit));
        }
    }
    Ok(found)
}
