//! The API's errors and their JSON shape:
//! `{"error": {"kind": "bad_request", "field": "state", "message": "…"}}`.
//! Each names what was wrong — the field, the id — so a script can act on it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mailflow_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{reason}; send `Authorization: Bearer <token>`")]
    Unauthorized { reason: &'static str },
    #[error("no message with id {id}")]
    MessageNotFound { id: String },
    #[error("{message}")]
    BadField {
        field: &'static str,
        message: String,
    },
    #[error("no such endpoint: {path}")]
    NoSuchEndpoint { path: String },
    #[error("the store failed: {0}")]
    Store(#[from] StoreError),
}

/// The body of every error response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// `unauthorized`, `not_found`, `bad_request` or `internal`.
    pub kind: String,
    /// The query or path field that was wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The message id that was not found.
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
            ApiError::BadField { .. } => StatusCode::BAD_REQUEST,
            ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            ApiError::Unauthorized { .. } => "unauthorized",
            ApiError::MessageNotFound { .. } | ApiError::NoSuchEndpoint { .. } => "not_found",
            ApiError::BadField { .. } => "bad_request",
            ApiError::Store(_) => "internal",
        }
    }

    fn body(&self) -> ErrorBody {
        let (field, id) = match self {
            ApiError::BadField { field, .. } => (Some(field.to_string()), None),
            ApiError::MessageNotFound { id } => (None, Some(id.clone())),
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

/// Any path the API does not have.
pub(crate) async fn no_such_endpoint(uri: axum::http::Uri) -> ApiError {
    ApiError::NoSuchEndpoint {
        path: uri.path().to_string(),
    }
}
