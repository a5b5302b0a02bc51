//! A connector's attempts, from its outcome and attempt events: a range of
//! `events_connector` (org, connector, type, time, code) per type.

use crate::insight_rows;
use crate::postgres::optional_key;
use crate::{DeliveryStats, Result, columns::time_to_db};
use mailflow_core::Event;
use sqlx::PgPool;
use time::OffsetDateTime;

fn delivery_stats_sql(connector: Option<&str>) -> String {
    format!(
        "SELECT kind, code, COUNT(*) AS n, MAX(at) AS latest FROM events \
         WHERE org = $1 AND {} AND kind IN ('delivered', 'deferred', 'failed') \
         AND at >= $3 AND at < $4 GROUP BY kind, code",
        optional_key::equals("connector", "$2", connector)
    )
}

/// Outcomes with `since <= at < until`, counted per type and code.
pub async fn delivery_stats(
    pool: &PgPool,
    org: &str,
    connector: Option<&str>,
    since: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<DeliveryStats> {
    let rows = sqlx::query(&delivery_stats_sql(connector))
        .bind(org)
        .bind(connector)
        .bind(time_to_db(since))
        .bind(time_to_db(until))
        .fetch_all(pool)
        .await?;
    insight_rows::delivery_stats(&rows)
}

/// The connector's attempts at their latest time, from `events_connector`
/// (org, connector, type, time, code): the latest time is the newest entry
/// of the connector's attempts, the order naming the key (a connector that
/// `IS NULL` selects, MX routing, is not constant for the order); then the
/// few attempts of that time are sought, the last written first. Sorting
/// the connector's attempts by time and sequence would read every one of
/// them kept.
fn last_attempt_sql(connector: Option<&str>) -> String {
    let attempts = format!(
        "org = $1 AND {} AND kind = 'attempt'",
        optional_key::equals("connector", "$2", connector)
    );
    format!(
        "SELECT event FROM events WHERE {attempts} AND at = \
           (SELECT at FROM events WHERE {attempts} \
            ORDER BY org DESC, connector DESC, kind DESC, at DESC LIMIT 1) \
         ORDER BY seq DESC LIMIT 1"
    )
}

/// The connector's latest `attempt` event.
pub async fn last_attempt(
    pool: &PgPool,
    org: &str,
    connector: Option<&str>,
) -> Result<Option<Event>> {
    let row = sqlx::query(&last_attempt_sql(connector))
        .bind(org)
        .bind(connector)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(insight_rows::event).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::plans::PlanSchema;

    #[tokio::test]
    async fn attempts_are_read_from_the_connectors_entries_of_each_type() {
        let mut schema = PlanSchema::new().await;
        for connector in [Some("onprem"), None] {
            let sql = delivery_stats_sql(connector);
            schema.assert_reads(&sql, &["events_connector"]).await;
            let sql = last_attempt_sql(connector);
            let steps = schema.assert_reads(&sql, &["events_connector"]).await;
            // What is sorted is the attempts of one time.
            let seeks_the_time = steps
                .iter()
                .any(|step| step.contains("Index Cond:") && step.contains("(at = $"));
            assert!(seeks_the_time, "{steps:#?}");
        }
    }
}
