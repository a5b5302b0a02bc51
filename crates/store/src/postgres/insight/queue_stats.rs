//! The queue per connector, as insights and alerts read it: the counts,
//! the oldest arrival per code (a seek into `recipients_pending_connector`:
//! org, connector, code, arrival), the latest error
//! (`recipients_pending_last_error`) and the messages dropped during their
//! data, in one snapshot so that they agree.

use crate::columns::key_to_db;
use crate::insight_rows::{self, CodeCount, DATA_DROP_MESSAGES, DROPPED, Tallies};
use crate::postgres::optional_key;
use crate::postgres::queue::waiting::WAITING_OR_IN_FLIGHT;
use crate::postgres::transaction::snapshot;
use crate::{ConnectorQueueStats, LastError, Result};
use mailflow_core::MessageId;
use sqlx::{PgConnection, PgPool};

pub async fn queue_stats(pool: &PgPool, org: &str) -> Result<Vec<ConnectorQueueStats>> {
    let mut tx = snapshot(pool).await?;
    let mut tallies = Tallies::default();
    for group in code_counts(&mut tx, org, None).await? {
        let oldest = oldest_received(&mut tx, org, &group).await?;
        tallies.add(group, oldest);
    }
    let mut stats = Vec::new();
    for tally in tallies.into_connectors() {
        let connector = tally.connector.clone();
        let last_error = latest_error(&mut tx, org, connector.as_deref()).await?;
        let drops = match tally.has_drops() {
            true => data_drop_messages(&mut tx, org, connector.as_deref()).await?,
            false => Vec::new(),
        };
        stats.push(tally.into_stats(last_error, drops));
    }
    tx.commit().await?;
    Ok(stats)
}

/// The organisation's non-empty counts, of one connector when given
/// (`Some(None)`: MX routing), in connector and code order.
pub async fn code_counts(
    conn: &mut PgConnection,
    org: &str,
    connector: Option<Option<&str>>,
) -> Result<Vec<CodeCount>> {
    let rows = sqlx::query(
        "SELECT connector, code, recipients FROM pending_counts \
         WHERE org = $1 AND recipients > 0 AND (NOT $2 OR connector = $3) \
         ORDER BY connector, code",
    )
    .bind(org)
    .bind(connector.is_some())
    .bind(key_to_db(connector.flatten()))
    .fetch_all(conn)
    .await?;
    rows.iter().map(insight_rows::code_count).collect()
}

/// The pending recipients of one organisation (`$1`), connector (`$2`)
/// and code (`$3`): a range of `recipients_pending_connector`.
pub fn of_group(group: &CodeCount) -> String {
    format!(
        "org = $1 AND {} AND {} AND {WAITING_OR_IN_FLIGHT}",
        optional_key::equals("route_connector", "$2", group.connector.as_deref()),
        optional_key::equals("last_error_code", "$3", group.code.as_deref()),
    )
}

/// The front of the group's range of `recipients_pending_connector`. The
/// order names the whole key: PostgreSQL takes a column that `IS NULL`
/// selects (MX routing, no code yet) as constant for a seek but not for
/// the order, and would otherwise read and sort the whole group.
fn oldest_sql(group: &CodeCount) -> String {
    format!(
        "SELECT received_at FROM recipients WHERE {} \
         ORDER BY org, route_connector, last_error_code, received_at LIMIT 1",
        of_group(group)
    )
}

/// The earliest arrival among a group's pending recipients: one seek.
async fn oldest_received(
    conn: &mut PgConnection,
    org: &str,
    group: &CodeCount,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(&oldest_sql(group))
        .bind(org)
        .bind(&group.connector)
        .bind(&group.code)
        .fetch_optional(conn)
        .await?)
}

/// The newest entry of the connector's range of
/// `recipients_pending_last_error` (the order names the key, as in
/// `oldest_sql`).
fn latest_error_sql(connector: Option<&str>) -> String {
    format!(
        "SELECT last_error, next_hop FROM recipients \
         WHERE org = $1 AND {} AND {WAITING_OR_IN_FLIGHT} AND last_error IS NOT NULL \
         ORDER BY org DESC, route_connector DESC, updated_at DESC LIMIT 1",
        optional_key::equals("route_connector", "$2", connector)
    )
}

/// The connector's most recent last error and its next hop.
async fn latest_error(
    conn: &mut PgConnection,
    org: &str,
    connector: Option<&str>,
) -> Result<(Option<LastError>, Option<String>)> {
    let row = sqlx::query(&latest_error_sql(connector))
        .bind(org)
        .bind(connector)
        .fetch_optional(conn)
        .await?;
    insight_rows::latest_error(row.as_ref())
}

/// A seek to the connector's `4.4.318` recipients, which are few unless
/// the next hop drops every connection.
fn data_drops_sql(connector: Option<&str>) -> String {
    format!(
        "SELECT message_id, COUNT(*) AS recipients FROM recipients \
         WHERE org = $1 AND {} AND last_error_code = $3 AND {WAITING_OR_IN_FLIGHT} \
         AND (last_error::jsonb #>> '{{diagnosis,stage}}') IN ('during_data', 'after_final_dot') \
         GROUP BY message_id ORDER BY MAX(updated_at) DESC LIMIT $4",
        optional_key::equals("route_connector", "$2", connector)
    )
}

/// Waiting messages of a connector whose last error is a connection
/// dropped during their data or after their final dot, most recently
/// failed first.
async fn data_drop_messages(
    conn: &mut PgConnection,
    org: &str,
    connector: Option<&str>,
) -> Result<Vec<(MessageId, u64)>> {
    let rows = sqlx::query(&data_drops_sql(connector))
        .bind(org)
        .bind(connector)
        .bind(DROPPED)
        .bind(DATA_DROP_MESSAGES)
        .fetch_all(conn)
        .await?;
    rows.iter().map(insight_rows::data_drop).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::plans::PlanSchema;

    #[tokio::test]
    async fn a_connectors_queue_is_read_from_the_pending_indexes_alone() {
        let mut schema = PlanSchema::new().await;
        for connector in [Some("onprem"), None] {
            for code in [Some("4.4.316"), None] {
                let group = CodeCount {
                    connector: connector.map(str::to_string),
                    code: code.map(str::to_string),
                    recipients: 1,
                };
                let sql = oldest_sql(&group);
                schema
                    .assert_reads(&sql, &["recipients_pending_connector"])
                    .await;
            }
            let sql = latest_error_sql(connector);
            let last_error = ["recipients_pending_last_error"];
            schema.assert_walks_in_order(&sql, &last_error).await;
            let sql = data_drops_sql(connector);
            schema
                .assert_reads(&sql, &["recipients_pending_connector"])
                .await;
        }
    }
}
