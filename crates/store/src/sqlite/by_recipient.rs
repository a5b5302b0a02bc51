//! Listings narrowed by a recipient's address or last error code, newest
//! first (see `crate::message_query`), on SQLite: the walk goes through
//! `recipients_address` or `recipients_code` (migration 0015).

use super::codec::{id_to_db, limit_to_db, time_to_db};
use super::reads::messages_where;
use super::rows::envelope_columns_of;
use crate::message_query::MessageQuery;
use crate::{Result, StoredMessage};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

/// The messages of the walk, newest first, each with its recipients.
pub async fn messages(
    conn: &mut SqliteConnection,
    walk: &MessageQuery<'_>,
) -> Result<Vec<StoredMessage>> {
    let mut query = select(walk);
    messages_where(conn, query.build()).await
}

fn select<'a>(walk: &MessageQuery<'a>) -> QueryBuilder<'a, Sqlite> {
    // Without statistics the planner may take either index when both
    // keys are given; the address is the narrower.
    let index = if walk.address.is_some() {
        "recipients_address"
    } else {
        "recipients_code"
    };
    let mut query = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {} FROM recipients r INDEXED BY {index} JOIN messages m ON m.id = r.message_id WHERE ",
        envelope_columns_of("m")
    ));
    match (walk.address, walk.code) {
        (Some(address), code) => {
            query
                .push("LOWER(r.address) = LOWER(")
                .push_bind(address)
                .push(")");
            if let Some(code) = code {
                query.push(" AND r.last_error_code = ").push_bind(code);
            }
        }
        (None, Some(code)) => {
            query.push("r.last_error_code = ").push_bind(code);
        }
        (None, None) => {
            query.push("0");
        }
    }
    if let Some(state) = walk.state {
        query.push(" AND r.state = ").push_bind(state.as_str());
    }
    if let Some(connector) = walk.connector {
        query.push(" AND r.route_connector = ").push_bind(connector);
    }
    if let Some(org) = walk.org {
        query.push(" AND m.org = ").push_bind(org);
    }
    if let Some(sender) = walk.sender {
        query
            .push(" AND LOWER(m.sender) = LOWER(")
            .push_bind(sender)
            .push(")");
    }
    // Recipients carry their message's arrival time: the range and the
    // cursor are read from the index, before any message is.
    if let Some(after) = walk.received_after {
        query
            .push(" AND r.received_at >= ")
            .push_bind(time_to_db(after));
    }
    if let Some(before) = walk.received_before {
        query
            .push(" AND r.received_at < ")
            .push_bind(time_to_db(before));
    }
    if let Some(cursor) = walk.after {
        query
            .push(" AND (r.received_at, r.message_id) < (")
            .push_bind(time_to_db(cursor.received_at))
            .push(", ")
            .push_bind(id_to_db(cursor.id))
            .push(")");
    }
    // One row per message, in the index's order.
    query.push(
        " GROUP BY r.received_at, r.message_id ORDER BY r.received_at DESC, r.message_id DESC",
    );
    if walk.limit > 0 {
        query.push(" LIMIT ").push_bind(limit_to_db(walk.limit));
    }
    query
}

#[cfg(test)]
mod tests {
    use super::super::plans::{assert_walks_no_backlog, plan};
    use super::*;
    use crate::MessageCursor;
    use mailflow_core::{MessageId, RecipientState};
    use time::OffsetDateTime;

    async fn plan_of(walk: &MessageQuery<'_>) -> Vec<String> {
        let sql = select(walk).sql().to_string();
        assert_walks_no_backlog(&sql).await;
        let steps = plan(&sql).await;
        assert!(
            !steps.iter().any(|step| step.contains("TEMP B-TREE")),
            "nothing gathered to be grouped or sorted: {steps:#?}"
        );
        steps
    }

    fn every_filter<'a>() -> MessageQuery<'a> {
        MessageQuery {
            state: Some(RecipientState::Deferred),
            connector: Some("to-onprem"),
            org: Some("acme"),
            sender: Some("bob@example.test"),
            received_after: Some(OffsetDateTime::UNIX_EPOCH),
            received_before: Some(OffsetDateTime::now_utc()),
            after: Some(MessageCursor {
                received_at: OffsetDateTime::now_utc(),
                id: MessageId::new(),
            }),
            limit: 100,
            ..MessageQuery::default()
        }
    }

    #[tokio::test]
    async fn a_listing_by_address_walks_the_address_index_from_the_newest() {
        let walk = MessageQuery {
            address: Some("carol@dead.test"),
            code: Some("4.4.316"),
            ..every_filter()
        };
        let steps = plan_of(&walk).await;
        assert!(
            steps[0].starts_with("SEARCH r USING INDEX recipients_address (<expr>=?"),
            "{steps:#?}"
        );
    }

    #[tokio::test]
    async fn a_listing_by_code_walks_the_code_index_from_the_newest() {
        let walk = MessageQuery {
            code: Some("4.4.316"),
            ..every_filter()
        };
        let steps = plan_of(&walk).await;
        assert!(
            steps[0].starts_with("SEARCH r USING INDEX recipients_code (last_error_code=?"),
            "{steps:#?}"
        );
        let bare = MessageQuery {
            code: Some("4.4.316"),
            limit: 100,
            ..MessageQuery::default()
        };
        let steps = plan_of(&bare).await;
        assert!(
            steps[0].contains("recipients_code (last_error_code=?)"),
            "{steps:#?}"
        );
    }
}
