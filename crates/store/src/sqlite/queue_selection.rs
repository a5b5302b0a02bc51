//! Pages of the pending recipients a queue operation's selection picks,
//! message by message: first the ids of the next messages with a pending
//! recipient picked, then those messages' picked recipients. A message is
//! never split between pages, so an operation that answers per message (a
//! bounce's one report) meets each message once.
//!
//! The ids come from seeks in `recipients_pending_by_state` (organisation,
//! connector, state, message): one per connector and state, each past the
//! last page's message and in message order, so that no page sorts what
//! is left of the queue. The connectors with pending mail are read from
//! `pending_counts`, a few rows. The smallest ids of all the seeks are the
//! page.

use super::codec::{id_from_db, id_to_db, key_from_db, limit_to_db, push_ids, time_to_db};
use super::due::PENDING;
use crate::operator_rows::{chosen_connectors, selected_messages, selected_states};
use crate::{ConnectorChoice, QueueSelection, Result, SelectedMessage};
use mailflow_core::{MessageId, RecipientState};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::BTreeSet;

pub async fn select_pending(
    conn: &mut SqliteConnection,
    selection: &QueueSelection,
    after: Option<MessageId>,
    max_messages: usize,
) -> Result<Vec<SelectedMessage>> {
    let mut found = BTreeSet::new();
    for connector in connectors(conn, selection).await? {
        for state in selected_states(selection) {
            let mut seek = QueryBuilder::<Sqlite>::new("");
            push_seek(&mut seek, selection, connector.as_deref(), state, after);
            seek.push(" ORDER BY r.message_id LIMIT ")
                .push_bind(limit_to_db(max_messages));
            for row in seek.build().fetch_all(&mut *conn).await? {
                found.insert(id_from_db(row.try_get("message_id")?)?);
            }
        }
    }
    let ids: Vec<MessageId> = found.into_iter().take(max_messages).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut picked = QueryBuilder::<Sqlite>::new(
        "SELECT r.message_id, r.idx, r.address, r.state, r.route_connector, r.next_hop \
         FROM recipients r WHERE ",
    );
    push_selection(&mut picked, selection);
    picked.push(" AND r.message_id IN (");
    push_ids(&mut picked, ids.iter().copied());
    picked.push(") ORDER BY r.message_id, r.idx");
    let rows = picked.build().fetch_all(conn).await?;
    selected_messages(&rows)
}

/// The ids of one connector's messages with a recipient in `state` that
/// the selection picks, after `after`: a walk of
/// `recipients_pending_by_state` in message order. (The pending states
/// are spelled out for SQLite to see that the partial index covers them.)
fn push_seek(
    seek: &mut QueryBuilder<'_, Sqlite>,
    selection: &QueueSelection,
    connector: Option<&str>,
    state: RecipientState,
    after: Option<MessageId>,
) {
    seek.push(format!(
        "SELECT DISTINCT r.message_id FROM recipients r WHERE r.{PENDING} AND r.org = "
    ))
    .push_bind(selection.org.clone());
    match connector {
        Some(name) => seek
            .push(" AND r.route_connector = ")
            .push_bind(name.to_string()),
        None => seek.push(" AND r.route_connector IS NULL"),
    };
    seek.push(" AND r.state = ")
        .push_bind(state.as_str())
        .push(" AND r.message_id > ")
        .push_bind(after.map(id_to_db).unwrap_or_default());
    push_narrowing(seek, selection);
}

/// The connectors to seek in: the one chosen, or every one with pending
/// mail in the organisation.
async fn connectors(
    conn: &mut SqliteConnection,
    selection: &QueueSelection,
) -> Result<Vec<Option<String>>> {
    if let Some(chosen) = chosen_connectors(selection) {
        return Ok(chosen);
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT connector FROM pending_counts \
         WHERE org = ? AND recipients > 0 ORDER BY connector",
    )
    .bind(&selection.org)
    .fetch_all(conn)
    .await?;
    Ok(names.into_iter().map(key_from_db).collect())
}

/// The whole selection as conditions on `recipients r`: pending ones only.
fn push_selection(query: &mut QueryBuilder<'_, Sqlite>, selection: &QueueSelection) {
    query
        .push("r.org = ")
        .push_bind(selection.org.clone())
        .push(format!(" AND r.{PENDING}"));
    match &selection.connector {
        Some(ConnectorChoice::Named(name)) => {
            query
                .push(" AND r.route_connector = ")
                .push_bind(name.clone());
        }
        Some(ConnectorChoice::Mx) => {
            query.push(" AND r.route_connector IS NULL");
        }
        None => {}
    }
    if let Some(state) = selection.state {
        query.push(" AND r.state = ").push_bind(state.as_str());
    }
    push_narrowing(query, selection);
}

/// The selection's conditions but for organisation, connector and state.
fn push_narrowing(query: &mut QueryBuilder<'_, Sqlite>, selection: &QueueSelection) {
    if let Some(message) = selection.message {
        query
            .push(" AND r.message_id = ")
            .push_bind(id_to_db(message));
    }
    if let Some(recipient) = &selection.recipient {
        query
            .push(" AND LOWER(r.address) = LOWER(")
            .push_bind(recipient.clone())
            .push(")");
    }
    match &selection.connector {
        Some(ConnectorChoice::Named(name)) => {
            query
                .push(" AND r.route_connector = ")
                .push_bind(name.clone());
        }
        Some(ConnectorChoice::Mx) => {
            query.push(" AND r.route_connector IS NULL");
        }
        None => {}
    }
    if let Some(next_hop) = &selection.next_hop {
        query.push(" AND r.next_hop = ").push_bind(next_hop.clone());
    }
    if let Some(code) = &selection.code {
        query
            .push(" AND r.last_error_code = ")
            .push_bind(code.clone());
    }
    if let Some(before) = selection.received_before {
        query
            .push(" AND r.received_at < ")
            .push_bind(time_to_db(before));
    }
    if let Some(after) = selection.received_after {
        query
            .push(" AND r.received_at >= ")
            .push_bind(time_to_db(after));
    }
    if let Some(sender) = &selection.sender {
        query
            .push(
                " AND EXISTS (SELECT 1 FROM messages m WHERE m.id = r.message_id \
                 AND LOWER(m.sender) = LOWER(",
            )
            .push_bind(sender.clone())
            .push("))");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::plans::{assert_walks_no_backlog, plan};

    /// A seek as `select_pending` sends it.
    fn seek_sql(selection: &QueueSelection, connector: Option<&str>) -> String {
        let mut seek = QueryBuilder::<Sqlite>::new("");
        let state = RecipientState::Deferred;
        push_seek(&mut seek, selection, connector, state, None);
        seek.push(" ORDER BY r.message_id LIMIT ").push_bind(5_i64);
        seek.sql().to_string()
    }

    #[tokio::test]
    async fn a_page_seeks_in_message_order_and_sorts_nothing() {
        let narrowed = QueueSelection {
            code: Some("4.4.316".into()),
            sender: Some("a@b.test".into()),
            received_before: Some(time::OffsetDateTime::UNIX_EPOCH),
            ..Default::default()
        };
        let plain = QueueSelection::default();
        for (selection, connector) in [(&plain, Some("c")), (&narrowed, Some("c")), (&plain, None)]
        {
            let sql = seek_sql(selection, connector);
            assert_walks_no_backlog(&sql).await;
            let steps = plan(&sql).await;
            assert!(
                steps.iter().any(|step| step
                    .contains("recipients_pending_by_state (org=? AND route_connector")
                    && step.contains("AND state=? AND message_id>?)")),
                "{steps:#?}"
            );
            assert!(
                !steps.iter().any(|step| step.contains("ORDER BY")),
                "{steps:#?}"
            );
        }
    }
}
