//! What waits per connector, and a connector's waiting recipients page by
//! page, read without walking the backlog.

use crate::columns::{id_to_db, limit_to_db};
use crate::operator_rows::{self, pending_recipient};
use crate::postgres::queue::waiting::WAITING_OR_IN_FLIGHT;
use crate::{PendingRecipient, Result, WaitingCount, WaitingCursor};
use sqlx::PgPool;

/// Per connector in one statement: its pending recipients
/// (`pending_counts`, summed over codes), those in flight (a seek into
/// `recipients_pending_by_state`, as many as its connections carry) and
/// those suspended (`suspended_counts`). What waits to go, queued or
/// deferred, is the rest: a few rows read however large the backlog.
fn waiting_counts_sql() -> String {
    let in_flight = |connector: &str| {
        format!(
            "(SELECT COUNT(*) FROM recipients r WHERE r.org = $1 AND {connector} \
              AND r.state = 'in_flight' AND r.{WAITING_OR_IN_FLIGHT})"
        )
    };
    format!(
        "WITH pending AS (SELECT connector, SUM(recipients)::bigint AS n FROM pending_counts \
           WHERE org = $1 GROUP BY connector HAVING SUM(recipients) > 0) \
         SELECT p.connector, p.n AS pending, \
           CASE WHEN p.connector = '' THEN {mx} ELSE {named} END AS in_flight, \
           COALESCE((SELECT s.recipients FROM suspended_counts s \
                     WHERE s.org = $1 AND s.connector = p.connector), 0) AS suspended \
         FROM pending p",
        mx = in_flight("r.route_connector IS NULL"),
        named = in_flight("r.route_connector = p.connector"),
    )
}

pub async fn waiting_counts(pool: &PgPool, org: &str) -> Result<Vec<WaitingCount>> {
    let rows = sqlx::query(&waiting_counts_sql())
        .bind(org)
        .fetch_all(pool)
        .await?;
    operator_rows::waiting_counts(&rows)
}

/// A page of a connector's waiting recipients in the order of
/// `recipients_pending_by_state` (organisation, connector, state,
/// message, index), whose condition is said as the index says it: one
/// seek past the cursor `($3, $4, $5)`. In-flight recipients, whose state
/// sorts among the others', are passed over: there are as many as the
/// connector's connections carry.
pub const WAITING_PAGE: &str = "SELECT message_id, idx, address, state, route_connector, \
       next_hop FROM recipients \
     WHERE org = $1 AND route_connector = $2 \
       AND state IN ('queued', 'in_flight', 'deferred', 'suspended') AND state <> 'in_flight' \
       AND (state, message_id, idx) > ($3, $4, $5) \
     ORDER BY state, message_id, idx LIMIT $6";

pub async fn waiting_recipients(
    pool: &PgPool,
    org: &str,
    connector: &str,
    after: Option<WaitingCursor>,
    limit: usize,
) -> Result<Vec<PendingRecipient>> {
    let (state, message, index) = match after {
        Some(cursor) => (
            cursor.state.as_str(),
            id_to_db(cursor.message_id),
            i64::from(cursor.index),
        ),
        // Before every recipient.
        None => ("", Vec::new(), -1),
    };
    let rows = sqlx::query(WAITING_PAGE)
        .bind(org)
        .bind(connector)
        .bind(state)
        .bind(message)
        .bind(index)
        .bind(limit_to_db(limit))
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| pending_recipient(row, None))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::postgres::plans::PlanSchema;

    #[tokio::test]
    async fn waiting_counts_read_the_counts_and_seek_those_in_flight() {
        let mut schema = PlanSchema::new().await;
        let sql = super::waiting_counts_sql();
        let indexes = [
            "pending_counts_pkey",
            "suspended_counts_pkey",
            "recipients_pending_by_state",
        ];
        schema.assert_reads(&sql, &indexes).await;
    }

    #[tokio::test]
    async fn a_page_of_waiting_recipients_is_a_seek_in_index_order() {
        let mut schema = PlanSchema::new().await;
        let steps = schema
            .assert_walks_in_order(super::WAITING_PAGE, &["recipients_pending_by_state"])
            .await;
        assert!(
            steps
                .iter()
                .any(|step| step.contains("ROW(state, message_id, idx) >")),
            "the cursor bounds the seek: {steps:#?}"
        );
    }
}
