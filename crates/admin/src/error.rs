//! The API's errors and their JSON shape:
//! `{"error": {"kind": "bad_request", "field": "state", "message": "…"}}`.
//! Each names what was wrong — the field, the id — so a script can act on it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mailflow_fixes::FixError;
use mailflow_store::{DatabaseFailure, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{reason}; send `Authorization: Bearer <token>`")]
    Unauthorized { reason: &'static str },
    #[error("no message with id {id}")]
    MessageNotFound { id: String },
    #[error("no alert with id {id}")]
    AlertNotFound { id: String },
    #[error("{message}")]
    BadField {
        field: &'static str,
        message: String,
    },
    #[error("no such endpoint: {path}")]
    NoSuchEndpoint { path: String },
    #[error(
        "{path} does not take {method}; the Allow header names the methods it takes, GET /api/v1 lists every path's"
    )]
    MethodNotAllowed { method: String, path: String },
    #[error("the store failed: {0}")]
    Store(#[from] StoreError),
    /// Fix and queue actions need the running node.
    #[error("the node is not running yet; try again in a moment")]
    NodeNotRunning,
    #[error("{0}")]
    Fix(#[from] FixError),
    /// An insight was asked for a connector that is neither configured nor
    /// has mail waiting.
    #[error("no connector named {name:?} (MX routing without a connector is `_mx`)")]
    ConnectorNotFound { name: String },
    /// A named thing (a user, a token) that does not exist.
    #[error("no {what} named {id:?}")]
    NotFound { what: &'static str, id: String },
    /// The token is known but may not do this (a read-only token changing
    /// something).
    #[error("{reason}")]
    Forbidden { reason: &'static str },
    /// Something of the node's own failed (not the store).
    #[error("the node failed: {0}")]
    Internal(String),
    /// A value that cannot be used, named by its path in the request's
    /// body (`smart_hosts[0]`) or in the organisation's settings.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// A setting that is not there (an accepted domain, a connector).
    #[error("{message}")]
    SettingNotFound { id: String, message: String },
    /// A setting that is there already.
    #[error("{message}")]
    Conflict { id: String, message: String },
}

/// The body of every error response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// `unauthorized`, `forbidden`, `not_found`, `method_not_allowed`,
    /// `bad_request`, `conflict`, `unavailable` or `internal`.
    pub kind: String,
    /// The query or path field that was wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The message id, fix id, connector or audit entry id concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub message: String,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::MessageNotFound { .. } | ApiError::NoSuchEndpoint { .. } => {
                StatusCode::NOT_FOUND
            }
            ApiError::AlertNotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BadField { .. } => StatusCode::BAD_REQUEST,
            ApiError::Store(error) => store_status(error),
            ApiError::NodeNotRunning => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Fix(error) => fix_status(error),
            ApiError::ConnectorNotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Invalid { .. } => StatusCode::BAD_REQUEST,
            ApiError::SettingNotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            ApiError::Unauthorized { .. } => "unauthorized",
            ApiError::MessageNotFound { .. } | ApiError::NoSuchEndpoint { .. } => "not_found",
            ApiError::AlertNotFound { .. } => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::BadField { .. } => "bad_request",
            ApiError::Store(error) => match store_status(error) {
                StatusCode::CONFLICT => "conflict",
                StatusCode::SERVICE_UNAVAILABLE => "unavailable",
                _ => "internal",
            },
            ApiError::NodeNotRunning => "unavailable",
            ApiError::Fix(error) => match fix_status(error) {
                StatusCode::NOT_FOUND => "not_found",
                StatusCode::CONFLICT => "conflict",
                _ => "internal",
            },
            ApiError::ConnectorNotFound { .. } => "not_found",
            ApiError::NotFound { .. } => "not_found",
            ApiError::Forbidden { .. } => "forbidden",
            ApiError::Internal(_) => "internal",
            ApiError::Invalid { .. } => "bad_request",
            ApiError::SettingNotFound { .. } => "not_found",
            ApiError::Conflict { .. } => "conflict",
        }
    }

    fn body(&self) -> ErrorBody {
        let (field, id) = match self {
            ApiError::BadField { field, .. } => (Some(field.to_string()), None),
            ApiError::MessageNotFound { id } => (None, Some(id.clone())),
            ApiError::AlertNotFound { id } => (None, Some(id.clone())),
            ApiError::Fix(error) => (None, fix_id(error)),
            ApiError::ConnectorNotFound { name } => (None, Some(name.clone())),
            ApiError::Invalid { field, .. } => (Some(field.clone()), None),
            ApiError::NotFound { id, .. }
            | ApiError::SettingNotFound { id, .. }
            | ApiError::Conflict { id, .. } => (None, Some(id.clone())),
            _ => (None, None),
        };
        ErrorBody {
            error: ErrorDetail {
                kind: self.kind().into(),
                field,
                id,
                message: self.to_string(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Store(error) = &self {
            tracing::error!(%error, "admin API request failed in the store");
        }
        let mut response = (self.status(), Json(self.body())).into_response();
        if matches!(self, ApiError::Unauthorized { .. }) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"mailflow\""),
            );
        }
        response
    }
}

/// Unknown fixes, connectors and audit entries are `404`; a fix that does
/// not apply now, or an entry that cannot be undone (again), is `409`.
fn fix_status(error: &FixError) -> StatusCode {
    match error {
        FixError::UnknownFix { .. }
        | FixError::NoSuchConnector { .. }
        | FixError::NoSuchAuditEntry { .. } => StatusCode::NOT_FOUND,
        FixError::NotApplicable { .. }
        | FixError::AlreadyUndone { .. }
        | FixError::NotUndoable { .. } => StatusCode::CONFLICT,
        FixError::Store(error) => store_status(error),
        FixError::BadAuditEntry { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A store that another node is changing, or that cannot be reached for a
/// moment, is worth trying again; anything else is the server's fault.
fn store_status(error: &StoreError) -> StatusCode {
    match error {
        StoreError::Busy(_) => StatusCode::CONFLICT,
        StoreError::Database(error) if error.failure() == DatabaseFailure::Unreachable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The fix id, connector or audit entry id the error is about.
fn fix_id(error: &FixError) -> Option<String> {
    match error {
        FixError::UnknownFix { id } | FixError::NotApplicable { id, .. } => Some(id.clone()),
        FixError::NoSuchConnector { connector, .. } => Some(connector.clone()),
        FixError::NoSuchAuditEntry { id }
        | FixError::AlreadyUndone { id }
        | FixError::NotUndoable { id, .. }
        | FixError::BadAuditEntry { id, .. } => Some(id.to_string()),
        FixError::Store(_) => None,
    }
}

/// Any path the API does not have.
pub(crate) async fn no_such_endpoint(uri: axum::http::Uri) -> ApiError {
    ApiError::NoSuchEndpoint {
        path: uri.path().to_string(),
    }
}

/// Gives the router's bare `405` (a known path, a method it does not take)
/// the API's JSON error body. The router adds its `Allow` header on the
/// way out.
pub(crate) async fn explain_method_not_allowed(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    ApiError::MethodNotAllowed { method, path }.into_response()
}
