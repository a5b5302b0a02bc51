//! Queue operations over the API, as Postfix's `postqueue`/`postsuper`
//! and Exchange's queue viewer offer them:
//! `POST /messages/{id}/{retry|suspend|resume|bounce}` and
//! `DELETE /messages/{id}` on one message (or one recipient of it), and
//! `POST /queue/{retry|suspend|resume|bounce|delete}` on what a filter
//! picks, counted first with `dry_run`.
//!
//! Bounce fails the waiting recipients for good with a report to the
//! sender; delete removes them with none. Recipients in flight are left to
//! their attempt and reported. Every operation that changes something
//! writes one audit entry; a dry run writes none.

use crate::AdminState;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::fixes::actor;
use crate::query::{self, QueryMap};
use crate::queue_filter::QueueOperationBody;
use crate::queue_run::{Outcome, QueueOperation, Run};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use mailflow_relay::NodeHandle;
use mailflow_store::{AuditEntry, QueueSelection};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use utoipa::ToSchema;

/// What a queue operation did, or would do (`dry_run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueOperationView {
    /// `retry`, `suspend`, `resume`, `bounce` or `delete`.
    pub action: String,
    pub dry_run: bool,
    /// Messages with a recipient acted on (or that would be).
    pub messages: u64,
    /// Recipients acted on (or that would be).
    pub recipients: u64,
    /// Recipients picked but in flight: left to their attempt.
    pub in_flight: u64,
    /// Their addresses, for an operation on one message.
    #[serde(default)]
    pub in_flight_recipients: Vec<String>,
    /// More may match past `limit`: send this as `cursor` to go on.
    #[serde(default)]
    pub next_cursor: Option<String>,
    /// The operation's audit entry; none for a dry run.
    #[serde(default)]
    pub audit_id: Option<u64>,
}

/// `{"recipient": "…"}`: the optional body of a one-message operation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageOperationBody {
    /// Act on this recipient of the message only.
    #[serde(default)]
    pub recipient: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/messages/{id}/{action}", tag = "queue",
    params(("id" = String, Path, description = "The message id"),
        ("action" = String, Path, description = "`retry`, `suspend`, `resume` or `bounce` (removing is `DELETE /api/v1/messages/{id}`)"),
        ("recipient" = Option<String>, Query, description = "Act on this recipient only (or send `{\"recipient\": …}`)"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    request_body(content = Option<MessageOperationBody>, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done: what was acted on, what was in flight, the audit entry", body = QueueOperationView),
        (status = 400, description = "Unknown action, bad id, or a recipient the message does not have", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No message with that id", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn message_action(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path((id, action)): Path<(String, String)>,
    Query(query): Query<QueryMap>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<QueueOperationView>, ApiError> {
    let operation = match QueueOperation::parse(&action) {
        Some(QueueOperation::Delete) | None => {
            return Err(ApiError::BadField {
                field: "action",
                message: format!(
                    "unknown action {action:?}; expected retry, suspend, resume or bounce (DELETE the message to remove it)"
                ),
            });
        }
        Some(operation) => operation,
    };
    on_message(&state, &in_org, &id, operation, &query, &headers, &body).await
}

#[utoipa::path(delete, path = "/api/v1/messages/{id}", tag = "queue",
    params(("id" = String, Path, description = "The message id"),
        ("recipient" = Option<String>, Query, description = "Remove this recipient only (or send `{\"recipient\": …}`)"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    request_body(content = Option<MessageOperationBody>, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed without a report to the sender: what was removed, what was in flight, the audit entry", body = QueueOperationView),
        (status = 400, description = "Bad id, or a recipient the message does not have", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No message with that id", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn delete_message(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(id): Path<String>,
    Query(query): Query<QueryMap>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<QueueOperationView>, ApiError> {
    on_message(
        &state,
        &in_org,
        &id,
        QueueOperation::Delete,
        &query,
        &headers,
        &body,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn on_message(
    state: &AdminState,
    in_org: &OrgScope,
    id: &str,
    operation: QueueOperation,
    query: &QueryMap,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Json<QueueOperationView>, ApiError> {
    query::only_known(query, &["recipient"], "parameter")?;
    let node = node(state)?;
    let message_id = query::message_id("id", id)?;
    let not_found = || ApiError::MessageNotFound { id: id.to_string() };
    let message = node
        .store()
        .message(message_id)
        .await?
        .filter(|message| message.org == in_org.name)
        .ok_or_else(not_found)?;
    let recipient = match query::given(query, "recipient") {
        Some(recipient) => Some(recipient.to_string()),
        None => message_body(body)?.recipient,
    };
    if let Some(address) = &recipient
        && !message
            .recipients
            .iter()
            .any(|r| r.address.eq_ignore_ascii_case(address))
    {
        return Err(ApiError::BadField {
            field: "recipient",
            message: format!("message {id} has no recipient {address}"),
        });
    }
    let before: Vec<_> = message
        .recipients
        .iter()
        .filter(|r| {
            recipient
                .as_ref()
                .is_none_or(|a| r.address.eq_ignore_ascii_case(a))
        })
        .map(|r| json!({"address": r.address, "state": r.state.as_str()}))
        .collect();
    let selection = QueueSelection {
        org: in_org.name.clone(),
        message: Some(message_id),
        recipient: recipient.clone(),
        ..Default::default()
    };
    let actor = actor(headers);
    let outcome = Run {
        node,
        operation,
        selection: &selection,
        dry_run: false,
        after: None,
        max_messages: None,
        actor: &actor,
    }
    .go()
    .await?;
    let target = match &recipient {
        Some(address) => format!("{id} {address}"),
        None => id.to_string(),
    };
    let entry = audit(
        node,
        &in_org.name,
        &actor,
        format!("message-{}", operation.as_str()),
        target,
        json!({ "recipients": before }),
        &outcome,
    )
    .await?;
    Ok(Json(view(operation, false, outcome, Some(entry.id))))
}

fn message_body(body: &[u8]) -> Result<MessageOperationBody, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(MessageOperationBody::default());
    }
    serde_json::from_slice(body).map_err(|error| ApiError::BadField {
        field: "body",
        message: format!("the request body is not {{\"recipient\": …}}: {error}"),
    })
}

#[utoipa::path(post, path = "/api/v1/queue/{action}", tag = "queue",
    params(("action" = String, Path, description = "`retry`, `suspend`, `resume`, `bounce` or `delete`"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    request_body(content = QueueOperationBody, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What was acted on (or, with `dry_run`, would be), what was in flight, and the audit entry", body = QueueOperationView),
        (status = 400, description = "Unknown action, or a filter field not understood (named)", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn queue_action(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(action): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<QueueOperationView>, ApiError> {
    let operation = QueueOperation::parse(&action).ok_or_else(|| ApiError::BadField {
        field: "action",
        message: format!(
            "unknown action {action:?}; expected retry, suspend, resume, bounce or delete"
        ),
    })?;
    let request = QueueOperationBody::parse(&body)?;
    let node = node(&state)?;
    let selection = request.selection(&in_org.name, state.clock.now())?;
    let (limit, cursor) = (request.limit()?, request.cursor()?);
    let actor = actor(&headers);
    let outcome = Run {
        node,
        operation,
        selection: &selection,
        dry_run: request.dry_run,
        after: cursor,
        max_messages: limit,
        actor: &actor,
    }
    .go()
    .await?;
    let audit_id = match request.dry_run {
        true => None,
        false => {
            let before = json!({
                "filter": request.filter_json(),
                "cursor": request.cursor,
                "limit": request.limit,
            });
            let action = format!("queue-{}", operation.as_str());
            let entry = audit(
                node,
                &in_org.name,
                &actor,
                action,
                "queue".into(),
                before,
                &outcome,
            )
            .await?;
            Some(entry.id)
        }
    };
    Ok(Json(view(operation, request.dry_run, outcome, audit_id)))
}

async fn audit(
    node: &NodeHandle,
    org: &str,
    actor: &str,
    action: String,
    target: String,
    before: serde_json::Value,
    outcome: &Outcome,
) -> Result<AuditEntry, ApiError> {
    let mut entry = AuditEntry {
        id: 0,
        at: node.clock().now(),
        org: Some(org.to_string()),
        actor: actor.to_string(),
        action,
        target,
        before,
        after: json!({
            "messages": outcome.messages,
            "recipients": outcome.recipients,
            "in_flight": outcome.in_flight,
            "next_cursor": outcome.next_cursor.map(|id| id.to_string()),
        }),
        undone_at: None,
    };
    entry.id = node.store().append_audit(entry.clone()).await?;
    tracing::info!(
        audit_id = entry.id,
        action = %entry.action,
        target = %entry.target,
        actor,
        messages = outcome.messages,
        recipients = outcome.recipients,
        "queue operation"
    );
    Ok(entry)
}

fn view(
    operation: QueueOperation,
    dry_run: bool,
    outcome: Outcome,
    audit_id: Option<u64>,
) -> QueueOperationView {
    QueueOperationView {
        action: operation.as_str().to_string(),
        dry_run,
        messages: outcome.messages,
        recipients: outcome.recipients,
        in_flight: outcome.in_flight,
        in_flight_recipients: outcome.in_flight_recipients,
        next_cursor: outcome.next_cursor.map(|id| id.to_string()),
        audit_id,
    }
}

fn node(state: &AdminState) -> Result<&NodeHandle, ApiError> {
    state.node.get().ok_or(ApiError::NodeNotRunning)
}
