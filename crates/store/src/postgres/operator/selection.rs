//! Pages of the pending recipients a queue operation's selection picks,
//! message by message: first the ids of the next messages with a pending
//! recipient picked, then those messages' picked recipients. A message is
//! never split between pages, so an operation that answers per message (a
//! bounce's one report) meets each message once.
//!
//! The ids come from seeks in `recipients_pending_by_state` (organisation,
//! connector, state, message): one per connector and state, each past the
//! last page's message and in message order, so that no seek sorts what
//! is left of the queue; a connector's states are sought in one statement
//! (`LATERAL`), whose page is the smallest ids of its seeks. The
//! connectors with pending mail are read from `pending_counts`, a few
//! rows. What else the selection asks is a filter on the entries a seek
//! reads, each a parameter that is NULL when not asked (`$6` to `$12`),
//! so that each statement is prepared once.

use crate::columns::{id_from_db, id_to_db, key_from_db, limit_to_db, time_to_db};
use crate::operator_rows::{chosen_connectors, selected_messages, selected_states};
use crate::postgres::optional_key;
use crate::postgres::queue::waiting::WAITING_OR_IN_FLIGHT;
use crate::{ConnectorChoice, QueueSelection, Result, SelectedMessage};
use mailflow_core::MessageId;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgPool, Postgres, Row};
use std::collections::BTreeSet;

/// The selection's conditions but for organisation, connector and state,
/// on `recipients r`.
const NARROWING: &str = "($6::bytea IS NULL OR r.message_id = $6) \
     AND ($7::text IS NULL OR LOWER(r.address) = LOWER($7)) \
     AND ($8::text IS NULL OR r.next_hop = $8) \
     AND ($9::text IS NULL OR r.last_error_code = $9) \
     AND ($10::bigint IS NULL OR r.received_at < $10) \
     AND ($11::bigint IS NULL OR r.received_at >= $11) \
     AND ($12::text IS NULL OR EXISTS (SELECT 1 FROM messages m \
          WHERE m.id = r.message_id AND LOWER(m.sender) = LOWER($12)))";

fn bind_narrowing<'q>(
    query: Query<'q, Postgres, PgArguments>,
    selection: &'q QueueSelection,
) -> Query<'q, Postgres, PgArguments> {
    query
        .bind(selection.message.map(id_to_db))
        .bind(selection.recipient.as_deref())
        .bind(selection.next_hop.as_deref())
        .bind(selection.code.as_deref())
        .bind(selection.received_before.map(time_to_db))
        .bind(selection.received_after.map(time_to_db))
        .bind(selection.sender.as_deref())
}

/// One seek: the ids of one connector's (`$2`; NULL: MX routing) messages
/// with a recipient in `state` (an SQL expression) that the selection
/// picks, after `$4`, at most `$5`, in message order. The order names the
/// key before the message: a connector that `IS NULL` selects is not
/// constant for the order, which would else be a sort of the connector's
/// whole state.
fn seek(connector: Option<&str>, state: &str) -> String {
    format!(
        "SELECT DISTINCT r.org, r.route_connector, r.state, r.message_id FROM recipients r \
         WHERE r.{WAITING_OR_IN_FLIGHT} AND r.org = $1 AND {} AND r.state = {state} \
         AND r.message_id > $4 AND {NARROWING} \
         ORDER BY r.org, r.route_connector, r.state, r.message_id LIMIT $5",
        optional_key::equals("r.route_connector", "$2", connector)
    )
}

/// A connector's page: a seek for each of the states `$3`, and the
/// smallest `$5` ids of them all (a sort of a few pages at most).
fn page_sql(connector: Option<&str>) -> String {
    format!(
        "SELECT DISTINCT found.message_id FROM unnest($3::text[]) AS s (state), \
         LATERAL ({}) found ORDER BY found.message_id LIMIT $5",
        seek(connector, "s.state")
    )
}

/// The picked recipients of the messages `$1`: organisation `$2`, state
/// `$3`, connector `$4` (or `$5`: MX routing), and the narrowing.
fn picked_sql() -> String {
    format!(
        "SELECT r.message_id, r.idx, r.address, r.state, r.route_connector, r.next_hop \
         FROM recipients r \
         WHERE r.message_id = ANY($1) AND r.org = $2 AND r.{WAITING_OR_IN_FLIGHT} \
           AND ($3::text IS NULL OR r.state = $3) \
           AND ($4::text IS NULL OR r.route_connector = $4) \
           AND (NOT $5 OR r.route_connector IS NULL) \
           AND {NARROWING} ORDER BY r.message_id, r.idx"
    )
}

pub async fn select_pending(
    pool: &PgPool,
    selection: &QueueSelection,
    after: Option<MessageId>,
    max_messages: usize,
) -> Result<Vec<SelectedMessage>> {
    let states: Vec<&str> = selected_states(selection)
        .into_iter()
        .map(|state| state.as_str())
        .collect();
    let mut found = BTreeSet::new();
    for connector in connectors(pool, selection).await? {
        let sql = page_sql(connector.as_deref());
        let page = sqlx::query(&sql)
            .bind(&selection.org)
            .bind(connector.as_deref())
            .bind(&states)
            .bind(after.map(id_to_db).unwrap_or_default())
            .bind(limit_to_db(max_messages));
        for row in bind_narrowing(page, selection).fetch_all(pool).await? {
            found.insert(id_from_db(&row.try_get::<Vec<u8>, _>("message_id")?)?);
        }
    }
    let ids: Vec<Vec<u8>> = found.into_iter().take(max_messages).map(id_to_db).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let (named, by_mx) = match &selection.connector {
        Some(ConnectorChoice::Named(name)) => (Some(name.as_str()), false),
        Some(ConnectorChoice::Mx) => (None, true),
        None => (None, false),
    };
    let sql = picked_sql();
    let picked = sqlx::query(&sql)
        .bind(ids)
        .bind(&selection.org)
        .bind(selection.state.map(|state| state.as_str()))
        .bind(named)
        .bind(by_mx);
    let rows = bind_narrowing(picked, selection).fetch_all(pool).await?;
    selected_messages(&rows)
}

/// The connectors to seek in: the one chosen, or every one with pending
/// mail in the organisation.
async fn connectors(pool: &PgPool, selection: &QueueSelection) -> Result<Vec<Option<String>>> {
    if let Some(chosen) = chosen_connectors(selection) {
        return Ok(chosen);
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT connector FROM pending_counts WHERE org = $1 AND recipients > 0",
    )
    .bind(&selection.org)
    .fetch_all(pool)
    .await?;
    // A connector has a count per code.
    let names: BTreeSet<String> = names.into_iter().collect();
    Ok(names.into_iter().map(key_from_db).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::plans::PlanSchema;

    #[tokio::test]
    async fn a_page_seeks_in_message_order_for_each_state() {
        let mut schema = PlanSchema::new().await;
        let index = ["recipients_pending_by_state"];
        for connector in [Some("onprem"), None] {
            // One seek, for one state: in index order, stopping at a page.
            let sql = seek(connector, "$3");
            schema.assert_walks_in_order(&sql, &index).await;
            // The connector's page: those seeks, each bounded.
            let sql = page_sql(connector);
            let steps = schema.assert_reads(&sql, &index).await;
            let limits = steps.iter().filter(|step| step.contains("Limit")).count();
            assert!(limits >= 2, "each seek stops at a page: {steps:#?}");
        }
        schema
            .assert_reads(&picked_sql(), &["recipients_pkey"])
            .await;
    }
}
