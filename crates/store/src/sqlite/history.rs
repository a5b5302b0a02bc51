//! The per-minute history of each connector's queue, and retention of the
//! event log and the history.
//!
//! MX routing without a connector is stored under the connector name `''`
//! (the column is part of the key, so it cannot be NULL).

use super::codec::{count_to_u64, json_from_db, json_to_db, time_from_db, time_to_db};
use super::transaction::in_transaction;
use crate::{HistoryBucket, Result};
use sqlx::{Row, SqliteConnection};
use std::collections::BTreeMap;
use time::OffsetDateTime;

fn connector_to_db(connector: Option<&str>) -> &str {
    connector.unwrap_or("")
}

fn connector_from_db(name: String) -> Option<String> {
    (!name.is_empty()).then_some(name)
}

pub async fn save_history(conn: &mut SqliteConnection, buckets: &[HistoryBucket]) -> Result<()> {
    in_transaction(conn, async |conn| {
        for bucket in buckets {
            let failures: BTreeMap<&str, u64> = bucket
                .failures
                .iter()
                .map(|(code, n)| (code.as_str(), *n))
                .collect();
            sqlx::query(
                "INSERT INTO history (org, connector, minute, queued, failures) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (org, connector, minute) DO UPDATE \
                 SET queued = excluded.queued, failures = excluded.failures",
            )
            .bind(&bucket.org)
            .bind(connector_to_db(bucket.connector.as_deref()))
            .bind(time_to_db(bucket.minute))
            .bind(i64::try_from(bucket.queued).unwrap_or(i64::MAX))
            .bind(json_to_db(&failures))
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
    .bind(connector_to_db(connector))
    .bind(time_to_db(since))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let failures: BTreeMap<String, u64> =
                json_from_db("history.failures", row.try_get::<&str, _>("failures")?)?;
            Ok(HistoryBucket {
                org: org.to_string(),
                connector: connector_from_db(row.try_get("connector")?),
                minute: time_from_db(row.try_get("minute")?),
                queued: count_to_u64("queued", row.try_get("queued")?)?,
                failures: failures.into_iter().collect(),
            })
        })
        .collect()
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
