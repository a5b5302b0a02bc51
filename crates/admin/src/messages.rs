//! `GET /api/v1/messages` and `GET /api/v1/messages/{id}`: the queue as the
//! store holds it, filtered the way an operator looks for trouble (by state,
//! connector, code, sender, recipient, age), a page at a time: an answer
//! that may have more says where the next page starts (`next_cursor`).

use crate::AdminState;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::query::{self, QueryMap};
use crate::views::MessageView;
use axum::Json;
use axum::extract::{Path, Query, State};
use mailflow_core::EnhancedCode;
use mailflow_store::{MessageCursor, MessageFilter};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// The filters of the message list; each narrows it.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query for OpenAPI; parsed by `filter_from_query`
pub struct MessageQuery {
    /// `queued`, `in_flight`, `deferred`, `delivered`, `failed` or `suspended`.
    state: Option<String>,
    /// A connector name.
    connector: Option<String>,
    /// The enhanced code of the last error, e.g. `4.4.316`.
    code: Option<String>,
    sender: Option<String>,
    recipient: Option<String>,
    /// Received longer ago than this, e.g. `2h`, `30m`, `1d`.
    older_than: Option<String>,
    /// Received less long ago than this, e.g. `15m`.
    newer_than: Option<String>,
    /// The `next_cursor` of the page before: this page goes on after it.
    cursor: Option<String>,
    /// At most this many messages (default 100, at most 1000; more is
    /// refused with `400` naming `limit`).
    limit: Option<usize>,
}

/// A page of the message list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MessageListView {
    pub messages: Vec<MessageView>,
    /// There may be more: send this as `cursor` for the next page. `null`
    /// when this page is the last.
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/messages", tag = "queue", params(MessageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of matching messages, newest first, and where the next page starts", body = MessageListView),
        (status = 400, description = "A filter was not understood", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Query(query): Query<QueryMap>,
) -> Result<Json<MessageListView>, ApiError> {
    let mut filter = filter_from_query(&query, state.clock.now())?;
    filter.org = Some(in_org.name);
    let messages = state.store.list_messages(&filter).await?;
    let next_cursor = match messages.last() {
        Some(last) if messages.len() == filter.limit => Some(MessageCursor::of(last).to_string()),
        _ => None,
    };
    Ok(Json(MessageListView {
        messages: messages.iter().map(MessageView::from).collect(),
        next_cursor,
    }))
}

#[utoipa::path(get, path = "/api/v1/messages/{id}", tag = "queue",
    params(("id" = String, Path, description = "The message id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The message", body = MessageView),
        (status = 400, description = "The id is not a message id", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No message with that id", body = crate::ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(id): Path<String>,
) -> Result<Json<MessageView>, ApiError> {
    let message_id = query::message_id("id", &id)?;
    // Another organisation's message is not there, as far as this one sees.
    match state.store.message(message_id).await? {
        Some(message) if message.org == in_org.name => Ok(Json(MessageView::from(&message))),
        _ => Err(ApiError::MessageNotFound { id }),
    }
}

/// Turns the query string into a store filter, naming the field of the first
/// thing that is wrong.
fn filter_from_query(query: &QueryMap, now: OffsetDateTime) -> Result<MessageFilter, ApiError> {
    const KNOWN: [&str; 9] = [
        "state",
        "connector",
        "code",
        "sender",
        "recipient",
        "older_than",
        "newer_than",
        "cursor",
        "limit",
    ];
    query::only_known(query, &KNOWN, "filter")?;
    let text = |name: &str| query::given(query, name);
    let age = |name: &'static str| {
        text(name)
            .map(|t| query::duration(name, t).map(|age| now - age))
            .transpose()
    };
    let filter = MessageFilter {
        org: None,
        state: text("state")
            .map(|t| query::recipient_state("state", t))
            .transpose()?,
        connector: text("connector").map(str::to_string),
        code: text("code").map(parse_code).transpose()?,
        sender: text("sender").map(str::to_string),
        recipient: text("recipient").map(str::to_string),
        received_before: age("older_than")?,
        received_after: age("newer_than")?,
        after: text("cursor").map(parse_cursor).transpose()?,
        limit: query::limit(query)?,
    };
    if let (Some(after), Some(before)) = (filter.received_after, filter.received_before)
        && after >= before
    {
        return Err(ApiError::BadField {
            field: "older_than",
            message: "the ages leave nothing: newer_than must be longer than older_than".into(),
        });
    }
    Ok(filter)
}

pub(crate) fn parse_code(text: &str) -> Result<String, ApiError> {
    match EnhancedCode::parse(text) {
        Some(code) => Ok(code.to_string()),
        None => Err(ApiError::BadField {
            field: "code",
            message: format!("{text:?} is not an enhanced status code; expected e.g. 4.4.316"),
        }),
    }
}

fn parse_cursor(text: &str) -> Result<MessageCursor, ApiError> {
    text.parse().map_err(|()| ApiError::BadField {
        field: "cursor",
        message: format!("{text:?} is not a cursor this API gave"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::DEFAULT_LIMIT;
    use crate::query::from_pairs as query;
    use mailflow_core::RecipientState;

    const NOW: OffsetDateTime = time::macros::datetime!(2030-01-01 12:00 UTC);

    fn filter_from_query(query: &QueryMap) -> Result<MessageFilter, ApiError> {
        super::filter_from_query(query, NOW)
    }

    fn bad_field(result: Result<MessageFilter, ApiError>) -> &'static str {
        match result {
            Err(ApiError::BadField { field, .. }) => field,
            other => panic!("expected a bad field, got {other:?}"),
        }
    }

    #[test]
    fn filters_parse_into_the_store_filter() {
        let filter = filter_from_query(&query(&[
            ("state", "deferred"),
            ("connector", "to-onprem"),
            ("code", "4.4.316"),
            ("limit", "5"),
        ]))
        .unwrap();
        assert_eq!(filter.state, Some(RecipientState::Deferred));
        assert_eq!(filter.connector.as_deref(), Some("to-onprem"));
        assert_eq!(filter.code.as_deref(), Some("4.4.316"));
        assert_eq!(filter.limit, 5);
        assert_eq!(filter_from_query(&query(&[])).unwrap().limit, DEFAULT_LIMIT);
    }

    #[test]
    fn each_bad_filter_names_its_field() {
        assert_eq!(
            bad_field(filter_from_query(&query(&[("state", "x")]))),
            "state"
        );
        assert_eq!(
            bad_field(filter_from_query(&query(&[("code", "4.4")]))),
            "code"
        );
        assert_eq!(
            bad_field(filter_from_query(&query(&[("limit", "0")]))),
            "limit"
        );
        assert_eq!(
            bad_field(filter_from_query(&query(&[("limit", "many")]))),
            "limit"
        );
        assert_eq!(
            bad_field(filter_from_query(&query(&[("colour", "red")]))),
            "query"
        );
        for (name, value) in [
            ("older_than", "ages"),
            ("newer_than", "-1h"),
            ("cursor", "page-2"),
        ] {
            assert_eq!(bad_field(filter_from_query(&query(&[(name, value)]))), name);
        }
        let empty = query(&[("older_than", "2h"), ("newer_than", "1h")]);
        assert_eq!(bad_field(filter_from_query(&empty)), "older_than");
    }

    #[test]
    fn ages_count_back_from_now_and_a_cursor_reads_back() {
        let filter =
            filter_from_query(&query(&[("older_than", "2h"), ("newer_than", "1d")])).unwrap();
        assert_eq!(
            filter.received_before,
            Some(time::macros::datetime!(2030-01-01 10:00 UTC))
        );
        assert_eq!(
            filter.received_after,
            Some(time::macros::datetime!(2029-12-31 12:00 UTC))
        );
        let cursor = MessageCursor {
            received_at: NOW,
            id: mailflow_core::MessageId::new(),
        };
        let text = cursor.to_string();
        let filter = filter_from_query(&query(&[("cursor", &text)])).unwrap();
        assert_eq!(filter.after, Some(cursor));
    }
}
