//! The queue per connector, as insights and alerts read it.
//!
//! Every question here is answered from a partial index over pending
//! recipients (`recipients_pending_connector`, `recipients_pending_last_error`)
//! or from the events of one connector in a time window (`events_connector`),
//! so the cost follows the connector's backlog or the window, not the size
//! of the whole store.

use super::codec::{count_to_u64, json_from_db, opt_json_from_db, time_from_db, time_to_db};
use crate::{ConnectorQueueStats, DeliveryStats, LastError, Result};
use mailflow_core::Event;
use sqlx::{Row, SqliteConnection};
use std::collections::BTreeMap;
use time::OffsetDateTime;

const PENDING: &str = "state IN ('queued', 'in_flight', 'deferred', 'suspended')";

/// Counts of one connector, gathered row by row.
#[derive(Default)]
struct Tally {
    queued: u64,
    oldest: Option<i64>,
    by_code: Vec<(String, u64)>,
}

pub async fn queue_stats(
    conn: &mut SqliteConnection,
    org: &str,
) -> Result<Vec<ConnectorQueueStats>> {
    let sql = format!(
        "SELECT route_connector, last_error_code, COUNT(*) AS n, MIN(received_at) AS oldest \
         FROM recipients INDEXED BY recipients_pending_connector \
         WHERE org = ? AND {PENDING} GROUP BY route_connector, last_error_code"
    );
    let rows = sqlx::query(&sql).bind(org).fetch_all(&mut *conn).await?;
    let mut tallies: BTreeMap<Option<String>, Tally> = BTreeMap::new();
    for row in rows {
        let tally = tallies.entry(row.try_get("route_connector")?).or_default();
        let count = count_to_u64("count", row.try_get("n")?)?;
        let oldest: i64 = row.try_get("oldest")?;
        tally.queued += count;
        tally.oldest = Some(tally.oldest.map_or(oldest, |o| o.min(oldest)));
        if let Some(code) = row.try_get::<Option<String>, _>("last_error_code")? {
            tally.by_code.push((code, count));
        }
    }
    let mut stats = Vec::with_capacity(tallies.len());
    for (connector, mut tally) in tallies {
        tally
            .by_code
            .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let (last_error, last_next_hop) = latest_error(conn, org, connector.as_deref()).await?;
        stats.push(ConnectorQueueStats {
            connector,
            queued: tally.queued,
            oldest_received_at: tally.oldest.map(time_from_db),
            by_code: tally.by_code,
            last_error,
            last_next_hop,
        });
    }
    Ok(stats)
}

async fn latest_error(
    conn: &mut SqliteConnection,
    org: &str,
    connector: Option<&str>,
) -> Result<(Option<LastError>, Option<String>)> {
    let sql = format!(
        "SELECT last_error, next_hop FROM recipients INDEXED BY recipients_pending_last_error \
         WHERE org = ? AND route_connector IS ? AND {PENDING} AND last_error IS NOT NULL \
         ORDER BY updated_at DESC LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(org)
        .bind(connector)
        .fetch_optional(conn)
        .await?;
    let Some(row) = row else {
        return Ok((None, None));
    };
    let error = opt_json_from_db("last_error", row.try_get("last_error")?)?;
    Ok((error, Some(row.try_get("next_hop")?)))
}

pub async fn queued_older_than(
    conn: &mut SqliteConnection,
    org: &str,
    connector: Option<&str>,
    cutoff: OffsetDateTime,
) -> Result<u64> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM recipients INDEXED BY recipients_pending_connector \
         WHERE org = ? AND route_connector IS ? AND {PENDING} AND received_at < ?"
    );
    let row = sqlx::query(&sql)
        .bind(org)
        .bind(connector)
        .bind(time_to_db(cutoff))
        .fetch_one(conn)
        .await?;
    count_to_u64("count", row.try_get("n")?)
}

/// Expiry is not an attempt: a `failed` event with `4.4.7` is left out.
const EXPIRED: &str = "4.4.7";

pub async fn delivery_stats(
    conn: &mut SqliteConnection,
    org: &str,
    connector: Option<&str>,
    since: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<DeliveryStats> {
    let rows = sqlx::query(
        "SELECT kind, code, COUNT(*) AS n, MAX(at) AS latest FROM events INDEXED BY events_connector \
         WHERE org = ? AND connector IS ? AND at >= ? AND at < ? \
         AND kind IN ('delivered', 'deferred', 'failed') GROUP BY kind, code",
    )
    .bind(org)
    .bind(connector)
    .bind(time_to_db(since))
    .bind(time_to_db(until))
    .fetch_all(conn)
    .await?;
    let mut stats = DeliveryStats::default();
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    for row in rows {
        let kind: String = row.try_get("kind")?;
        let code: Option<String> = row.try_get("code")?;
        let count = count_to_u64("count", row.try_get("n")?)?;
        let latest = Some(time_from_db(row.try_get("latest")?));
        if kind == "delivered" {
            stats.successes += count;
            stats.last_success_at = stats.last_success_at.max(latest);
        } else if code.as_deref() != Some(EXPIRED) {
            *failures.entry(code.unwrap_or_default()).or_default() += count;
            stats.last_failure_at = stats.last_failure_at.max(latest);
        }
    }
    stats.failures_by_code = failures.into_iter().collect();
    stats
        .failures_by_code
        .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    stats.attempts = stats.successes + stats.failures_by_code.iter().map(|(_, n)| n).sum::<u64>();
    Ok(stats)
}

pub async fn last_attempt(
    conn: &mut SqliteConnection,
    org: &str,
    connector: Option<&str>,
) -> Result<Option<Event>> {
    let row = sqlx::query(
        "SELECT event FROM events INDEXED BY events_connector \
         WHERE org = ? AND connector IS ? AND kind = 'attempt' ORDER BY at DESC, seq DESC LIMIT 1",
    )
    .bind(org)
    .bind(connector)
    .fetch_optional(conn)
    .await?;
    row.map(|row| json_from_db("event", row.try_get::<&str, _>("event")?))
        .transpose()
}
