//! `GET /api/v1/health`: whether the node answers, without a token, for
//! load balancers and monitoring.

use crate::AdminState;
use crate::views::rfc3339;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the node answers.
    pub status: String,
    /// The node's current time (RFC 3339).
    pub time: String,
}

#[utoipa::path(get, path = "/api/v1/health", tag = "health",
    responses((status = 200, description = "The node is up", body = Health)))]
pub(crate) async fn health(State(state): State<Arc<AdminState>>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        time: rfc3339(state.clock.now()),
    })
}
