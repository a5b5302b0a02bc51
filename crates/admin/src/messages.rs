//! `GET /api/v1/messages` and `GET /api/v1/messages/{id}`: the queue as the
//! store holds it, filtered the way an operator looks for trouble (by state,
//! connector, code, sender, recipient).

use crate::AdminState;
use crate::error::ApiError;
use crate::query::{self, QueryMap};
use crate::views::MessageView;
use axum::Json;
use axum::extract::{Path, Query, State};
use mailflow_core::EnhancedCode;
use mailflow_store::MessageFilter;
use std::sync::Arc;
use utoipa::IntoParams;

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
    /// At most this many messages (default 100, at most 1000; more is
    /// refused with `400` naming `limit`).
    limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/messages", tag = "queue", params(MessageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Matching messages, newest first", body = [MessageView]),
        (status = 400, description = "A filter was not understood", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<Arc<AdminState>>,
    Query(query): Query<QueryMap>,
) -> Result<Json<Vec<MessageView>>, ApiError> {
    let filter = filter_from_query(&query)?;
    let messages = state.store.list_messages(&filter).await?;
    Ok(Json(messages.iter().map(MessageView::from).collect()))
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
    Path(id): Path<String>,
) -> Result<Json<MessageView>, ApiError> {
    let message_id = query::message_id("id", &id)?;
    match state.store.message(message_id).await? {
        Some(message) => Ok(Json(MessageView::from(&message))),
        None => Err(ApiError::MessageNotFound { id }),
    }
}

/// Turns the query string into a store filter, naming the field of the first
/// thing that is wrong.
fn filter_from_query(query: &QueryMap) -> Result<MessageFilter, ApiError> {
    const KNOWN: [&str; 6] = ["state", "connector", "code", "sender", "recipient", "limit"];
    query::only_known(query, &KNOWN, "filter")?;
    let text = |name: &str| query::given(query, name);
    Ok(MessageFilter {
        state: text("state")
            .map(|t| query::recipient_state("state", t))
            .transpose()?,
        connector: text("connector").map(str::to_string),
        code: text("code").map(parse_code).transpose()?,
        sender: text("sender").map(str::to_string),
        recipient: text("recipient").map(str::to_string),
        limit: query::limit(query)?,
    })
}

fn parse_code(text: &str) -> Result<String, ApiError> {
    match EnhancedCode::parse(text) {
        Some(code) => Ok(code.to_string()),
        None => Err(ApiError::BadField {
            field: "code",
            message: format!("{text:?} is not an enhanced status code; expected e.g. 4.4.316"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::DEFAULT_LIMIT;
    use crate::query::from_pairs as query;
    use mailflow_core::RecipientState;

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
    }
}
