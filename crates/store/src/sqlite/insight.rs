//! The queue per connector, as insights and alerts read it.
//!
//! Pending recipients are counted per connector and last error code in
//! `pending_counts`, kept by triggers in the transactions that change
//! recipients (migration 0008), so the statistics read a few rows however
//! large a backlog is. What the counts cannot say (the oldest pending
//! arrival, how many arrived before a time) is read per connector and code
//! from a partial index over pending recipients
//! (`recipients_pending_connector`: org, connector, code, arrival), by
//! seeks or by counting the smaller side of a cut-off. Attempts come from
//! the events of one connector in a time window, per type
//! (`events_connector`: org, connector, type, time, code).

use super::codec::{
    count_to_u64, id_from_db, json_from_db, opt_json_from_db, time_from_db, time_to_db,
};
use super::due::PENDING;
use crate::{ConnectorQueueStats, DeliveryStats, LastError, Result};
use mailflow_core::{Event, MessageId};
use sqlx::{Connection, Row, SqliteConnection};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Pending recipients of one connector (`None`: MX routing) under one last
/// error code (`None`: no error yet), as `pending_counts` has them.
struct CodeCount {
    connector: Option<String>,
    code: Option<String>,
    recipients: u64,
}

/// The organisation's non-empty counts, of one connector when given
/// (`Some(None)`: MX routing), in connector and code order.
async fn code_counts(
    conn: &mut SqliteConnection,
    org: &str,
    connector: Option<Option<&str>>,
) -> Result<Vec<CodeCount>> {
    let rows = sqlx::query(
        "SELECT connector, code, recipients FROM pending_counts \
         WHERE org = ?1 AND recipients > 0 AND (?2 = 0 OR connector = ?3) \
         ORDER BY connector, code",
    )
    .bind(org)
    .bind(connector.is_some())
    .bind(connector.flatten().unwrap_or(""))
    .fetch_all(conn)
    .await?;
    let blank_is_none = |text: String| (!text.is_empty()).then_some(text);
    rows.into_iter()
        .map(|row| {
            Ok(CodeCount {
                connector: blank_is_none(row.try_get("connector")?),
                code: blank_is_none(row.try_get("code")?),
                recipients: count_to_u64("recipients", row.try_get("recipients")?)?,
            })
        })
        .collect()
}

/// Counts of one connector, gathered code by code.
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
    // One snapshot: the counts and the seeks agree.
    let mut tx = conn.begin().await?;
    let mut tallies: BTreeMap<Option<String>, Tally> = BTreeMap::new();
    for group in code_counts(&mut tx, org, None).await? {
        let oldest = oldest_received(&mut tx, org, &group).await?;
        let tally = tallies.entry(group.connector).or_default();
        tally.queued += group.recipients;
        tally.oldest = [tally.oldest, oldest].into_iter().flatten().min();
        if let Some(code) = group.code {
            tally.by_code.push((code, group.recipients));
        }
    }
    let mut stats = Vec::with_capacity(tallies.len());
    for (connector, mut tally) in tallies {
        tally
            .by_code
            .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let (last_error, last_next_hop) = latest_error(&mut tx, org, connector.as_deref()).await?;
        let data_drop_messages = if tally.by_code.iter().any(|(code, _)| code == DROPPED) {
            data_drop_messages(&mut tx, org, connector.as_deref()).await?
        } else {
            Vec::new()
        };
        stats.push(ConnectorQueueStats {
            connector,
            queued: tally.queued,
            oldest_received_at: tally.oldest.map(time_from_db),
            by_code: tally.by_code,
            last_error,
            last_next_hop,
            data_drop_messages,
        });
    }
    tx.commit().await?;
    Ok(stats)
}

fn oldest_sql() -> String {
    format!(
        "SELECT MIN(received_at) FROM recipients INDEXED BY recipients_pending_connector \
         WHERE org = ? AND route_connector IS ? AND last_error_code IS ? AND {PENDING}"
    )
}

/// The earliest arrival among a group's pending recipients: one index seek.
async fn oldest_received(
    conn: &mut SqliteConnection,
    org: &str,
    group: &CodeCount,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(&oldest_sql())
        .bind(org)
        .bind(&group.connector)
        .bind(&group.code)
        .fetch_one(conn)
        .await?)
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

/// The code of a dropped connection, at any stage.
const DROPPED: &str = "4.4.318";
/// How many messages dropped during their data an insight names at most.
const DATA_DROP_MESSAGES: i64 = 5;

/// Waiting messages of a connector whose last error is a connection
/// dropped during their data or after their final dot, most recently
/// failed first: a seek to the connector's `4.4.318` recipients, which
/// are few unless the next hop drops every connection.
async fn data_drop_messages(
    conn: &mut SqliteConnection,
    org: &str,
    connector: Option<&str>,
) -> Result<Vec<(MessageId, u64)>> {
    let sql = format!(
        "SELECT message_id, COUNT(*) AS recipients FROM recipients INDEXED BY recipients_pending_connector \
         WHERE org = ?1 AND route_connector IS ?2 AND last_error_code = ?3 AND {PENDING} \
         AND json_extract(last_error, '$.diagnosis.stage') IN ('during_data', 'after_final_dot') \
         GROUP BY message_id ORDER BY MAX(updated_at) DESC LIMIT ?4"
    );
    let rows = sqlx::query(&sql)
        .bind(org)
        .bind(connector)
        .bind(DROPPED)
        .bind(DATA_DROP_MESSAGES)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            let id = id_from_db(row.try_get("message_id")?)?;
            Ok((id, count_to_u64("recipients", row.try_get("recipients")?)?))
        })
        .collect()
}

/// Pending recipients of a connector that arrived before `cutoff`. The
/// connector's total is known from the counts, so the side of the cut-off
/// that is smaller is counted (both are tried with a growing limit): the
/// work follows the smaller of the old part and the young part of the
/// backlog, not the backlog.
pub async fn queued_older_than(
    conn: &mut SqliteConnection,
    org: &str,
    connector: Option<&str>,
    cutoff: OffsetDateTime,
) -> Result<u64> {
    let mut tx = conn.begin().await?;
    let groups = code_counts(&mut tx, org, Some(connector)).await?;
    let total: u64 = groups.iter().map(|group| group.recipients).sum();
    let cutoff = time_to_db(cutoff);
    let mut limit: u64 = 1024;
    let older = loop {
        let older = count_side(&mut tx, org, &groups, Side::Before(cutoff), limit).await?;
        if older < limit {
            break older;
        }
        let younger = count_side(&mut tx, org, &groups, Side::AtOrAfter(cutoff), limit).await?;
        if younger < limit || limit > total {
            break total.saturating_sub(younger);
        }
        limit = limit.saturating_mul(8);
    };
    tx.commit().await?;
    Ok(older)
}

#[derive(Clone, Copy)]
enum Side {
    Before(i64),
    AtOrAfter(i64),
}

fn count_side_sql(comparison: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM recipients INDEXED BY recipients_pending_connector \
         WHERE org = ? AND route_connector IS ? AND last_error_code IS ? AND {PENDING} \
         AND received_at {comparison} ? LIMIT ?)"
    )
}

/// Pending recipients of the groups on one side of a cut-off, counted up to
/// `limit` (each group's count stops at what is left of it).
async fn count_side(
    conn: &mut SqliteConnection,
    org: &str,
    groups: &[CodeCount],
    side: Side,
    limit: u64,
) -> Result<u64> {
    let (comparison, cutoff) = match side {
        Side::Before(at) => ("<", at),
        Side::AtOrAfter(at) => (">=", at),
    };
    let sql = count_side_sql(comparison);
    let mut counted = 0;
    for group in groups {
        if counted >= limit {
            break;
        }
        let left = i64::try_from(limit - counted).unwrap_or(i64::MAX);
        let count: i64 = sqlx::query_scalar(&sql)
            .bind(org)
            .bind(&group.connector)
            .bind(&group.code)
            .bind(cutoff)
            .bind(left)
            .fetch_one(&mut *conn)
            .await?;
        counted += count_to_u64("count", count)?;
    }
    Ok(counted)
}

/// Expiry is not an attempt: a `failed` event with `4.4.7` is left out.
const EXPIRED: &str = "4.4.7";

/// Read from the entries of the three types alone (migration 0016).
const DELIVERY_STATS_SQL: &str = "SELECT kind, code, COUNT(*) AS n, MAX(at) AS latest \
     FROM events INDEXED BY events_connector \
     WHERE org = ? AND connector IS ? AND kind IN ('delivered', 'deferred', 'failed') \
     AND at >= ? AND at < ? GROUP BY kind, code";

pub async fn delivery_stats(
    conn: &mut SqliteConnection,
    org: &str,
    connector: Option<&str>,
    since: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<DeliveryStats> {
    let rows = sqlx::query(DELIVERY_STATS_SQL)
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

#[cfg(test)]
mod tests {
    use super::super::plans::assert_walks_no_backlog;

    #[tokio::test]
    async fn the_oldest_arrival_of_a_group_is_one_index_seek() {
        assert_walks_no_backlog(&super::oldest_sql()).await;
    }

    #[tokio::test]
    async fn attempts_in_a_window_are_counted_from_their_types_entries_alone() {
        // Grouped by type and code: the entries read are the attempts of
        // the window, which is what is counted.
        let steps = super::super::plans::plan(super::DELIVERY_STATS_SQL).await;
        assert!(
            !steps.iter().any(|step| step.starts_with("SCAN")),
            "{steps:#?}"
        );
        assert!(
            steps.iter().any(|step| step.contains(
                "USING COVERING INDEX events_connector (org=? AND connector=? AND kind=? AND at>? AND at<?)"
            )),
            "{steps:#?}"
        );
    }

    #[tokio::test]
    async fn counting_a_side_of_a_cutoff_reads_only_that_range() {
        assert_walks_no_backlog(&super::count_side_sql("<")).await;
        assert_walks_no_backlog(&super::count_side_sql(">=")).await;
    }
}
