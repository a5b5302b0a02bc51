//! Reports owed to senders (migration 0011): a trigger writes a row when a
//! recipient fails for good, in the transaction that records the failure;
//! the relay deletes it once the report is queued. What a crash leaves
//! behind is found here, oldest first, through `reports_owed_failed_at`.

use super::codec::{count_to_u32, id_from_db, id_to_db, limit_to_db, time_from_db, time_to_db};
use crate::{OwedReport, Result};
use mailflow_core::MessageId;
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;

/// Owed recipients read per message asked for: a message's owed
/// recipients usually share their failure time and come out together.
const ROWS_PER_MESSAGE: usize = 8;

pub async fn reports_owed(
    conn: &mut SqliteConnection,
    failed_before: OffsetDateTime,
    max_messages: usize,
) -> Result<Vec<OwedReport>> {
    let rows = sqlx::query(
        "SELECT message_id, idx FROM reports_owed WHERE failed_at <= ? \
         ORDER BY failed_at, message_id, idx LIMIT ?",
    )
    .bind(time_to_db(failed_before))
    .bind(limit_to_db(max_messages.saturating_mul(ROWS_PER_MESSAGE)))
    .fetch_all(conn)
    .await?;
    let rows = rows
        .iter()
        .map(|row| {
            let message_id = id_from_db(row.try_get::<&[u8], _>("message_id")?)?;
            Ok((
                message_id,
                count_to_u32("reports_owed.idx", row.try_get("idx")?)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(crate::queue_rows::owed_reports(rows, max_messages))
}

pub async fn oldest_report_owed(conn: &mut SqliteConnection) -> Result<Option<OffsetDateTime>> {
    let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(failed_at) FROM reports_owed")
        .fetch_one(conn)
        .await?;
    Ok(oldest.map(time_from_db))
}

pub async fn reports_queued(
    conn: &mut SqliteConnection,
    message_id: MessageId,
    indexes: &[u32],
) -> Result<()> {
    let indexes = serde_json::to_string(indexes).expect("integers serialize");
    sqlx::query(
        "DELETE FROM reports_owed WHERE message_id = ? \
         AND idx IN (SELECT value FROM json_each(?))",
    )
    .bind(id_to_db(message_id))
    .bind(indexes)
    .execute(conn)
    .await?;
    Ok(())
}
