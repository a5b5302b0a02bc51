//! The admin API: JSON over HTTP under `/api/v1`, described by an OpenAPI
//! document at `/api/v1/openapi.json`.
//!
//! It reads the queue straight from the store, so what an operator sees is
//! what the relay will act on. Every request but for `health` and the
//! OpenAPI document asks for a bearer token, before it is routed; every
//! failure answers with a JSON error that names what was wrong (the field,
//! the id).

mod alerts;
mod auth;
mod body_deadline;
mod error;
mod fix_views;
mod fixes;
mod health;
mod index;
mod insights;
mod messages;
mod openapi;
mod per_address;
mod query;
mod server;
mod token_digest;
mod trace;
mod trace_views;
mod validate;
mod validate_views;
mod views;

pub use alerts::AlertView;
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use fix_views::{AuditEntryView, FixPreviewView, FixView};
pub use fixes::ACTOR_HEADER;
pub use index::{IndexView, ResourceView, RootView};
pub use openapi::ApiDoc;
pub use server::{SHUTDOWN_GRACE, ServeLimits, serve};
pub use token_digest::{DIGEST_PREFIX, TokenDigest, TokenDigestError};
pub use trace_views::{AddressView, EventView, TraceView};
pub use validate_views::{DiagnosisView, ValidatedAddressView, ValidationView};
pub use views::{LastErrorView, MessageView, RecipientView};

use axum::Router;
use axum::routing::{get, post};
use mailflow_core::Clock;
use mailflow_relay::NodeHandle;
use mailflow_store::SharedStore;
use std::sync::{Arc, OnceLock};

/// What the handlers share.
#[derive(Clone)]
pub struct AdminState {
    pub store: SharedStore,
    /// SHA-256 digests of the bearer tokens that open the API; the API
    /// never holds a token itself.
    pub token_digests: Vec<TokenDigest>,
    pub clock: Arc<dyn Clock>,
    /// The running node, set once it has started; until then fix and
    /// queue actions answer `503`.
    pub node: Arc<OnceLock<NodeHandle>>,
}

impl AdminState {
    /// The organisation the running node serves; `503` until it runs.
    fn org(&self) -> Result<String, ApiError> {
        let node = self.node.get().ok_or(ApiError::NodeNotRunning)?;
        Ok(node.org_name().to_string())
    }
}

/// Insights per connector and the message trace.
fn insight_routes() -> Router<Arc<AdminState>> {
    Router::new()
        .route("/insights", get(insights::list))
        .route("/insights/{connector}", get(insights::show))
        .route("/trace", get(trace::trace))
}

/// The whole admin API, ready to be served.
pub fn router(state: AdminState) -> Router {
    let state = Arc::new(state);
    let protected = Router::new()
        .route("/messages", get(messages::list))
        .route("/messages/{id}", get(messages::show))
        .route("/alerts", get(alerts::list))
        .route("/alerts/{id}/ack", post(alerts::acknowledge))
        .merge(insight_routes())
        .route("/fixes", get(fixes::list))
        .route("/fixes/{id}/apply", post(fixes::apply))
        .route("/fixes/{id}/undo", post(fixes::undo))
        .route("/audit", get(fixes::audit))
        .route("/connectors/{name}/validate", post(validate::validate))
        .route("/connectors/{name}/{action}", post(fixes::connector_action));
    let open = Router::new()
        .route("/", get(index::index))
        .route("/health", get(health::health))
        .route("/openapi.json", get(openapi::document));
    // The token is asked for before the request is routed: without one, a
    // path that does not exist answers as one that does, so the routes
    // cannot be found out (see `auth::PUBLIC_PATHS`).
    Router::new()
        .route("/", get(index::root))
        .nest("/api/v1", protected.merge(open))
        .fallback(error::no_such_endpoint)
        .layer(axum::middleware::from_fn(error::explain_method_not_allowed))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .with_state(state)
}
