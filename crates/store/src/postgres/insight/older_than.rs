//! How many of a connector's pending recipients arrived before a time:
//! the counts give the total, and the smaller side of the cut-off is
//! counted from `recipients_pending_connector` (see
//! `insight_rows::OlderCount`), in one snapshot.

use super::queue_stats::{code_counts, of_group};
use crate::Result;
use crate::columns::{count_to_u64, time_to_db};
use crate::insight_rows::{CodeCount, OlderCount, Side};
use crate::postgres::transaction::snapshot;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

pub async fn queued_older_than(
    pool: &PgPool,
    org: &str,
    connector: Option<&str>,
    cutoff: OffsetDateTime,
) -> Result<u64> {
    let mut tx = snapshot(pool).await?;
    let groups = code_counts(&mut tx, org, Some(connector)).await?;
    let mut count = OlderCount::new(groups.iter().map(|group| group.recipients).sum());
    let cutoff = time_to_db(cutoff);
    while let Some((side, limit)) = count.question() {
        let mut counted = 0;
        for group in &groups {
            if counted >= limit {
                break;
            }
            // Each group's count stops at what is left of the limit.
            counted += count_group(&mut tx, org, group, side, cutoff, limit - counted).await?;
        }
        count.answer(counted);
    }
    tx.commit().await?;
    Ok(count.older())
}

/// A range of the group in `recipients_pending_connector`, counted up to
/// `$5`.
fn count_sql(group: &CodeCount, side: Side) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM recipients WHERE {} AND received_at {} $4 \
         LIMIT $5) side",
        of_group(group),
        match side {
            Side::Before => "<",
            Side::AtOrAfter => ">=",
        }
    )
}

/// A group's pending recipients on one side of the cut-off, up to `limit`.
async fn count_group(
    conn: &mut PgConnection,
    org: &str,
    group: &CodeCount,
    side: Side,
    cutoff: i64,
    limit: u64,
) -> Result<u64> {
    let counted: i64 = sqlx::query_scalar(&count_sql(group, side))
        .bind(org)
        .bind(&group.connector)
        .bind(&group.code)
        .bind(cutoff)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_one(conn)
        .await?;
    count_to_u64("count", counted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::plans::PlanSchema;

    #[tokio::test]
    async fn a_side_of_a_cutoff_is_counted_from_its_range_of_the_pending_index() {
        let mut schema = PlanSchema::new().await;
        let group = CodeCount {
            connector: Some("onprem".into()),
            code: None,
            recipients: 1,
        };
        for side in [Side::Before, Side::AtOrAfter] {
            let sql = count_sql(&group, side);
            let steps = schema
                .assert_reads(&sql, &["recipients_pending_connector"])
                .await;
            assert!(
                steps
                    .iter()
                    .any(|step| step.contains("received_at <") || step.contains("received_at >=")),
                "the cut-off bounds the range: {steps:#?}"
            );
        }
    }
}
