//! `GET /api/v1/messages` and `GET /api/v1/messages/{id}`: the queue as the
//! store holds it, filtered the way an operator looks for trouble (by state,
//! connector, code, sender, recipient).

use crate::AdminState;
use crate::error::ApiError;
use crate::views::MessageView;
use axum::Json;
use axum::extract::{Path, Query, State};
use mailflow_core::{EnhancedCode, MessageId, RecipientState};
use mailflow_store::MessageFilter;
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::IntoParams;

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

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
    /// At most this many messages (default 100, at most 1000).
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
    Query(query): Query<HashMap<String, String>>,
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
    let message_id: MessageId = id.parse().map_err(|_| ApiError::BadField {
        field: "id",
        message: format!("{id:?} is not a message id (32 hexadecimal digits)"),
    })?;
    match state.store.message(message_id).await? {
        Some(message) => Ok(Json(MessageView::from(&message))),
        None => Err(ApiError::MessageNotFound { id }),
    }
}

/// Turns the query string into a store filter, naming the field of the first
/// thing that is wrong.
fn filter_from_query(query: &HashMap<String, String>) -> Result<MessageFilter, ApiError> {
    const KNOWN: [&str; 6] = ["state", "connector", "code", "sender", "recipient", "limit"];
    if let Some(unknown) = query
        .keys()
        .filter(|key| !KNOWN.contains(&key.as_str()))
        .min()
    {
        return Err(ApiError::BadField {
            field: "query",
            message: format!(
                "unknown filter {unknown:?}; expected one of {}",
                KNOWN.join(", ")
            ),
        });
    }
    let text = |name: &str| query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    Ok(MessageFilter {
        state: text("state").map(parse_state).transpose()?,
        connector: text("connector").map(str::to_string),
        code: text("code").map(parse_code).transpose()?,
        sender: text("sender").map(str::to_string),
        recipient: text("recipient").map(str::to_string),
        limit: text("limit")
            .map(parse_limit)
            .transpose()?
            .unwrap_or(DEFAULT_LIMIT),
    })
}

fn parse_state(text: &str) -> Result<RecipientState, ApiError> {
    text.parse().map_err(|message| ApiError::BadField {
        field: "state",
        message,
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

fn parse_limit(text: &str) -> Result<usize, ApiError> {
    match text.parse::<usize>() {
        Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
        _ => Err(ApiError::BadField {
            field: "limit",
            message: format!("{text:?} is not a limit; expected a number from 1 to {MAX_LIMIT}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
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
    }
}
