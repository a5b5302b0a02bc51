//! Finished messages leave the store with their trace: a message none of
//! whose recipients waits any more, and whose last recipient finished
//! before the event retention's cutoff, is deleted with its recipients
//! (`ON DELETE CASCADE`), so that the file grows with the queue and the
//! retained trace, not with every message ever relayed. A message that
//! still owes its sender a report stays until the report is queued.
//!
//! Segment numbers stay unique without the deleted rows: the spool numbers
//! a new segment past both its files and the rows that remain.

use super::codec::{limit_to_db, time_to_db};
use crate::Result;
use sqlx::SqliteConnection;
use time::OffsetDateTime;

/// Messages deleted per transaction, so that accepts waiting for the single
/// writer wait for one short batch, not for the whole hour's retention.
pub const BATCH: usize = 2000;

/// Deletes up to `BATCH` messages that finished before `before`; returns
/// how many. A message finishes after it is received, so the candidates are
/// found oldest first through `messages_received`; each one's recipients
/// are a primary-key seek.
pub async fn prune_batch(conn: &mut SqliteConnection, before: OffsetDateTime) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM messages WHERE id IN (SELECT m.id FROM messages m \
         WHERE m.received_at < ?1 AND m.pending = 0 \
         AND NOT EXISTS (SELECT 1 FROM recipients r \
                         WHERE r.message_id = m.id AND r.updated_at >= ?1) \
         AND NOT EXISTS (SELECT 1 FROM reports_owed o WHERE o.message_id = m.id) \
         ORDER BY m.received_at LIMIT ?2)",
    )
    .bind(time_to_db(before))
    .bind(limit_to_db(BATCH))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
