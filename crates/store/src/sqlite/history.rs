//! The per-minute history of each connector's queue, and retention of the
//! event log and the history.
//!
//! MX routing without a connector is stored under the connector name `''`
//! (the column is part of the key, so it cannot be NULL).

use super::codec::{key_to_db, time_to_db};
use super::transaction::in_transaction;
use crate::insight_rows::{failures_to_db, history_bucket};
use crate::{HistoryBucket, Result};
use sqlx::SqliteConnection;
use time::OffsetDateTime;

pub async fn save_history(conn: &mut SqliteConnection, buckets: &[HistoryBucket]) -> Result<()> {
    in_transaction(conn, async |conn| {
        for bucket in buckets {
            sqlx::query(
                "INSERT INTO history (org, connector, minute, queued, failures) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (org, connector, minute) DO UPDATE \
                 SET queued = excluded.queued, failures = excluded.failures",
            )
            .bind(&bucket.org)
            .bind(key_to_db(bucket.connector.as_deref()))
            .bind(time_to_db(bucket.minute))
            .bind(i64::try_from(bucket.queued).unwrap_or(i64::MAX))
            .bind(failures_to_db(bucket))
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    })
    .await
}

pub async fn history(
    conn: &mut SqliteConnection,
    org: &str,
    connector: Option<&str>,
    since: OffsetDateTime,
) -> Result<Vec<HistoryBucket>> {
    let rows = sqlx::query(
        "SELECT connector, minute, queued, failures FROM history \
         WHERE org = ? AND connector = ? AND minute >= ? ORDER BY minute",
    )
    .bind(org)
    .bind(key_to_db(connector))
    .bind(time_to_db(since))
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| history_bucket(org, row)).collect()
}

pub async fn prune_events(conn: &mut SqliteConnection, before: OffsetDateTime) -> Result<u64> {
    let done = sqlx::query("DELETE FROM events WHERE at < ?")
        .bind(time_to_db(before))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn prune_history(conn: &mut SqliteConnection, before: OffsetDateTime) -> Result<u64> {
    let done = sqlx::query("DELETE FROM history WHERE minute < ?")
        .bind(time_to_db(before))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
