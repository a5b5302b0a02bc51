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

use super::codec::{count_to_u64, time_to_db};
use super::due::PENDING;
use crate::insight_rows::{
    self, CodeCount, DATA_DROP_MESSAGES, DROPPED, OlderCount, Side, Tallies,
};
use crate::{ConnectorQueueStats, DeliveryStats, LastError, Result};
use mailflow_core::{Event, MessageId};
use sqlx::{Connection, SqliteConnection};
use time::OffsetDateTime;

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
    rows.iter().map(insight_rows::code_count).collect()
}

pub async fn queue_stats(
    conn: &mut SqliteConnection,
    org: &str,
) -> Result<Vec<ConnectorQueueStats>> {
    // One snapshot: the counts and the seeks agree.
    let mut tx = conn.begin().await?;
    let mut tallies = Tallies::default();
    for group in code_counts(&mut tx, org, None).await? {
        let oldest = oldest_received(&mut tx, org, &group).await?;
        tallies.add(group, oldest);
    }
    let mut stats = Vec::new();
    for tally in tallies.into_connectors() {
        let connector = tally.connector.clone();
        let last_error = latest_error(&mut tx, org, connector.as_deref()).await?;
        let data_drop_messages = if tally.has_drops() {
            data_drop_messages(&mut tx, org, connector.as_deref()).await?
        } else {
            Vec::new()
        };
        stats.push(tally.into_stats(last_error, data_drop_messages));
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
    insight_rows::latest_error(row.as_ref())
}

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
    rows.iter().map(insight_rows::data_drop).collect()
}

/// Pending recipients of a connector that arrived before `cutoff`, the
/// smaller side of the cut-off counted (see `insight_rows::OlderCount`).
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
    let mut older = OlderCount::new(total);
    while let Some((side, limit)) = older.question() {
        older.answer(count_side(&mut tx, org, &groups, side, cutoff, limit).await?);
    }
    tx.commit().await?;
    Ok(older.older())
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
    cutoff: i64,
    limit: u64,
) -> Result<u64> {
    let comparison = match side {
        Side::Before => "<",
        Side::AtOrAfter => ">=",
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
    insight_rows::delivery_stats(&rows)
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
    row.as_ref().map(insight_rows::event).transpose()
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
