//! Retention of finished messages on the shared database (see
//! `crate::message_retention`): a batch is one statement, which finds the
//! arrival time of the last message of the batch (a walk of
//! `messages_received`) and deletes the batch's finished messages that
//! owe no report, with their recipients and body pieces (`ON DELETE
//! CASCADE`). Their recipients all finished, so no waiting count changes.

use crate::columns::{limit_to_db, time_to_db};
use crate::message_retention::{Batch, Cursor};
use crate::{Result, columns::count_to_u64};
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;

/// `$1`: the cursor, `$2`: the cutoff, `$3`: the batch's size. One row:
/// the batch's last arrival (NULL when no message is left) and how many
/// went.
pub const PRUNE_BATCH: &str = "WITH batch AS ( \
       SELECT MAX(received_at) AS last FROM (SELECT received_at FROM messages \
       WHERE received_at > $1 AND received_at < $2 ORDER BY received_at LIMIT $3) looked_at), \
     gone AS ( \
       DELETE FROM messages m USING batch \
       WHERE m.received_at > $1 AND m.received_at <= batch.last AND NOT m.pending \
       AND NOT EXISTS (SELECT 1 FROM recipients r \
                       WHERE r.message_id = m.id AND r.updated_at >= $2) \
       AND NOT EXISTS (SELECT 1 FROM reports_owed o WHERE o.message_id = m.id) \
       RETURNING 1) \
     SELECT batch.last, (SELECT COUNT(*) FROM gone) AS deleted FROM batch";

/// Looks at the next `batch` messages received after `from` and before
/// `before` (all of those received at the last one's time, too), and
/// deletes those that finished before `before` and owe no report.
pub async fn prune_batch(
    conn: &mut PgConnection,
    before: OffsetDateTime,
    from: Cursor,
    batch: usize,
) -> Result<Batch> {
    let row = sqlx::query(PRUNE_BATCH)
        .bind(from.0)
        .bind(time_to_db(before))
        .bind(limit_to_db(batch))
        .fetch_one(conn)
        .await?;
    Ok(Batch {
        deleted: count_to_u64("deleted", row.try_get("deleted")?)?,
        next: row.try_get::<Option<i64>, _>("last")?.map(Cursor),
    })
}

#[cfg(test)]
mod tests {
    use crate::postgres::plans::PlanSchema;

    #[tokio::test]
    async fn a_batch_seeks_its_range_of_arrivals() {
        let mut schema = PlanSchema::new().await;
        let steps = schema
            .assert_reads(super::PRUNE_BATCH, &["messages_received"])
            .await;
        assert!(
            !steps
                .iter()
                .any(|step| step.contains("Seq Scan on reports_owed")),
            "{steps:#?}"
        );
    }
}
