//! The per-minute history of each connector's queue, and retention of the
//! event log and the history. MX routing is kept under the connector `''`
//! (see `columns::key_to_db`).

use crate::columns::{key_to_db, time_to_db};
use crate::insight_rows::{failures_to_db, history_bucket};
use crate::{HistoryBucket, Result};
use sqlx::{PgConnection, PgPool};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Writes the buckets with one statement, each replacing any of the same
/// connector and minute. A statement may change a row once only, so of
/// two buckets of one key the later is written, as writing them in turn
/// would leave it.
pub async fn save_history(conn: &mut PgConnection, buckets: &[HistoryBucket]) -> Result<()> {
    let by_key: BTreeMap<_, _> = buckets
        .iter()
        .map(|b| ((&b.org, key_to_db(b.connector.as_deref()), b.minute), b))
        .collect();
    if by_key.is_empty() {
        return Ok(());
    }
    let (mut orgs, mut connectors, mut minutes, mut queued, mut failures) =
        (vec![], vec![], vec![], vec![], vec![]);
    for ((org, connector, minute), bucket) in by_key {
        orgs.push(org.as_str());
        connectors.push(connector);
        minutes.push(time_to_db(minute));
        queued.push(i64::try_from(bucket.queued).unwrap_or(i64::MAX));
        failures.push(failures_to_db(bucket));
    }
    sqlx::query(
        "INSERT INTO history (org, connector, minute, queued, failures) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[]) \
         ON CONFLICT (org, connector, minute) DO UPDATE \
         SET queued = excluded.queued, failures = excluded.failures",
    )
    .bind(orgs)
    .bind(connectors)
    .bind(minutes)
    .bind(queued)
    .bind(failures)
    .execute(conn)
    .await?;
    Ok(())
}

/// A connector's buckets from `since` on, oldest first.
pub async fn history(
    pool: &PgPool,
    org: &str,
    connector: Option<&str>,
    since: OffsetDateTime,
) -> Result<Vec<HistoryBucket>> {
    let rows = sqlx::query(
        "SELECT connector, minute, queued, failures FROM history \
         WHERE org = $1 AND connector = $2 AND minute >= $3 ORDER BY minute",
    )
    .bind(org)
    .bind(key_to_db(connector))
    .bind(time_to_db(since))
    .fetch_all(pool)
    .await?;
    rows.iter().map(|row| history_bucket(org, row)).collect()
}

/// Deletes what `table` holds from before `before`.
pub async fn prune(conn: &mut PgConnection, table: Pruned, before: OffsetDateTime) -> Result<u64> {
    let sql = match table {
        Pruned::Events => "DELETE FROM events WHERE at < $1",
        Pruned::History => "DELETE FROM history WHERE minute < $1",
    };
    let done = sqlx::query(sql)
        .bind(time_to_db(before))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// What retention prunes by age alone.
#[derive(Debug, Clone, Copy)]
pub enum Pruned {
    /// Events (`events_at`).
    Events,
    /// History buckets (`history_minute`).
    History,
}
