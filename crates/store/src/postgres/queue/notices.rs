//! Expiry, delay notices and the reports owed to senders: the messages
//! whose time has come. They look only at messages still `pending`, or at
//! the owed reports, through partial indexes.

use super::reads::messages_where;
use crate::columns::{
    ColumnRow, count_to_u32, id_from_db, id_to_db, limit_to_db, time_from_db, time_to_db,
};
use crate::queue_rows::{ENVELOPE_COLUMNS, owed_reports};
use crate::{OwedReport, Result, StoredMessage};
use mailflow_core::MessageId;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

/// Messages past their expiry with recipients still waiting (queued,
/// deferred or suspended), earliest expiry first.
pub async fn expired_messages(
    pool: &PgPool,
    now: OffsetDateTime,
    limit: usize,
) -> Result<Vec<StoredMessage>> {
    let sql = format!(
        "SELECT {ENVELOPE_COLUMNS} FROM messages m \
         WHERE m.pending AND m.expires_at <= $1 AND EXISTS (SELECT 1 FROM recipients r \
         WHERE r.message_id = m.id AND r.state IN ('queued', 'deferred', 'suspended')) \
         ORDER BY m.expires_at, m.id LIMIT $2"
    );
    let query = sqlx::query(&sql)
        .bind(time_to_db(now))
        .bind(limit_to_db(limit));
    messages_where(pool, query).await
}

/// Old messages without their delay notice that have a recipient waiting
/// after a failure: its own (`deferred`) or its next hop's (`queued`
/// behind a hold).
pub async fn delay_notices_due(
    pool: &PgPool,
    received_before: OffsetDateTime,
    limit: usize,
) -> Result<Vec<StoredMessage>> {
    let sql = format!(
        "SELECT {ENVELOPE_COLUMNS} FROM messages m \
         WHERE m.pending AND NOT m.delay_notice_sent AND m.received_at <= $1 \
         AND EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id \
           AND (r.state = 'deferred' OR (r.state = 'queued' AND EXISTS \
             (SELECT 1 FROM next_hop_holds h WHERE h.next_hop = r.next_hop)))) \
         ORDER BY m.received_at, m.id LIMIT $2"
    );
    let query = sqlx::query(&sql)
        .bind(time_to_db(received_before))
        .bind(limit_to_db(limit));
    messages_where(pool, query).await
}

pub async fn mark_delay_notice_sent(conn: &mut PgConnection, id: MessageId) -> Result<()> {
    sqlx::query("UPDATE messages SET delay_notice_sent = TRUE WHERE id = $1")
        .bind(id_to_db(id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Owed recipients read per message asked for.
const ROWS_PER_MESSAGE: usize = 8;

/// Recipients owed a report, grouped by message, oldest failure first.
pub async fn reports_owed(
    pool: &PgPool,
    failed_before: OffsetDateTime,
    max_messages: usize,
) -> Result<Vec<OwedReport>> {
    let rows = sqlx::query(
        "SELECT message_id, idx FROM reports_owed WHERE failed_at <= $1 \
         ORDER BY failed_at, message_id, idx LIMIT $2",
    )
    .bind(time_to_db(failed_before))
    .bind(limit_to_db(max_messages.saturating_mul(ROWS_PER_MESSAGE)))
    .fetch_all(pool)
    .await?;
    let rows = rows
        .iter()
        .map(|row| {
            let message_id = id_from_db(&row.bytes("message_id")?)?;
            Ok((
                message_id,
                count_to_u32("reports_owed.idx", row.int("idx")?)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(owed_reports(rows, max_messages))
}

pub async fn oldest_report_owed(pool: &PgPool) -> Result<Option<OffsetDateTime>> {
    let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(failed_at) FROM reports_owed")
        .fetch_one(pool)
        .await?;
    Ok(oldest.map(time_from_db))
}

pub async fn reports_queued(
    conn: &mut PgConnection,
    message_id: MessageId,
    indexes: &[u32],
) -> Result<()> {
    let indexes: Vec<i64> = indexes.iter().map(|&i| i64::from(i)).collect();
    sqlx::query("DELETE FROM reports_owed WHERE message_id = $1 AND idx = ANY($2)")
        .bind(id_to_db(message_id))
        .bind(indexes)
        .execute(&mut *conn)
        .await?;
    super::record::drop_finished_bodies(conn, &[id_to_db(message_id)]).await
}
