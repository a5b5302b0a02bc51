//! The admin API: JSON over HTTP under `/api/v1`, described by an OpenAPI
//! document at `/api/v1/openapi.json`.
//!
//! It reads the queue straight from the store, so what an operator sees is
//! what the relay will act on. Every request but for `health` and the
//! OpenAPI document asks for a bearer token, before it is routed; every
//! failure answers with a JSON error that names what was wrong (the field,
//! the id).
//!
//! Beside it, `/metrics` serves the node's metrics to Prometheus (see
//! `scrape`), with a token or to the networks opened to scrapers.

mod alert_settings;
mod alerts;
mod audit_log;
mod auth;
mod body_deadline;
mod caller;
mod connectors;
mod directory;
mod domains;
mod error;
mod exposition;
mod fix_views;
mod fixes;
mod health;
mod index;
mod insights;
mod messages;
mod metrics_recorder;
mod nodes;
mod openapi;
mod org;
mod org_edit;
mod org_views;
mod orgs;
mod per_address;
mod query;
mod queue_filter;
mod queue_ops;
mod queue_run;
mod scrape;
mod scraper_networks;
mod server;
mod token_digest;
mod tokens;
mod trace;
mod trace_views;
mod users;
mod validate;
mod validate_views;
mod views;

pub use alert_settings::{AlertSettingsView, ConnectorAlertRules};
pub use alerts::AlertView;
pub use caller::{AllOrganisations, Caller, ORG_HEADER, OrgScope};
pub use directory::{DirectoryAdded, DirectoryImport, DirectoryRemoved, RefusedLine};
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use fix_views::{AuditEntryView, FixPreviewView, FixView};
pub use fixes::ACTOR_HEADER;
pub use index::{IndexView, ResourceView, RootView};
pub use messages::MessageListView;
pub use nodes::NodeView;
pub use openapi::ApiDoc;
pub use org_views::{ConnectorView, DirectoryView, DomainView, OrgView};
pub use orgs::{OrganisationName, OrganisationView};
pub use queue_filter::QueueOperationBody;
pub use queue_ops::QueueOperationView;

pub use metrics_recorder::metrics_recorder;
pub use scrape::{ALERTS_OPEN, QUEUE_OLDEST_AGE_SECONDS, QUEUE_RECIPIENTS};
pub use scraper_networks::METRICS_PATH;
pub use server::{SHUTDOWN_GRACE, ServeLimits, serve};
pub use token_digest::{DIGEST_PREFIX, TokenDigest, TokenDigestError};
pub use tokens::{CreatedToken, TokenList, TokenView, generate as new_token};
pub use trace_views::{AddressView, EventView, TraceView};
pub use users::{UserList, UserSaved};
pub use validate_views::{DiagnosisView, ValidatedAddressView, ValidationView};
pub use views::{LastErrorView, MessageView, RecipientView};

use axum::Router;
use axum::routing::{delete, get, post, put};
use ipnet::IpNet;
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
    /// Set when the API is served by the CLI over a store no node runs on
    /// (under the data directory's lock): the organisation a request acts
    /// on when it names none (a running node's own, otherwise). Queue and
    /// fix actions still need a node.
    pub own_org: Option<String>,
}

impl AdminState {
    /// The node's own organisation; `503` until the node runs (but for the
    /// CLI's API over a store no node runs on).
    fn org(&self) -> Result<String, ApiError> {
        match (self.node.get(), &self.own_org) {
            (Some(node), _) => Ok(node.org_name().to_string()),
            (None, Some(org)) => Ok(org.clone()),
            (None, None) => Err(ApiError::NodeNotRunning),
        }
    }
}

/// Insights per connector and the message trace.
fn insight_routes() -> Router<Arc<AdminState>> {
    Router::new()
        .route("/insights", get(insights::list))
        .route("/insights/{connector}", get(insights::show))
        .route("/trace", get(trace::trace))
}

/// The largest body a directory import or the whole settings may have: a
/// directory of some hundred thousand addresses (axum's default is 2 MB).
const LARGE_BODY: usize = 32 * 1024 * 1024;

/// The organisation's settings: connectors, accepted domains, directory,
/// and the whole at once. `enable` and `disable` are matched before the
/// connector queue actions' `{action}`.
fn settings_routes() -> Router<Arc<AdminState>> {
    let large = || axum::extract::DefaultBodyLimit::max(LARGE_BODY);
    Router::new()
        .route("/connectors", get(connectors::list).post(connectors::add))
        .route(
            "/connectors/{name}",
            get(connectors::show)
                .put(connectors::replace)
                .patch(connectors::patch)
                .delete(connectors::remove),
        )
        .route("/connectors/{name}/enable", post(connectors::enable))
        .route("/connectors/{name}/disable", post(connectors::disable))
        .route("/accepted-domains", get(domains::list).post(domains::add))
        .route(
            "/accepted-domains/{name}",
            get(domains::show)
                .put(domains::replace)
                .delete(domains::remove),
        )
        .route(
            "/directory",
            get(directory::list)
                .post(directory::add)
                .delete(directory::remove),
        )
        .route("/directory/import", post(directory::import).layer(large()))
        .route("/org", get(org::show).put(org::replace).layer(large()))
}

/// The whole admin API, ready to be served; `/metrics` answers to a token
/// only.
pub fn router(state: AdminState) -> Router {
    router_with_metrics_networks(state, Vec::new())
}

/// The whole admin API, with `/metrics` open without a token to clients in
/// `metrics_networks` (a Prometheus server's).
pub fn router_with_metrics_networks(state: AdminState, metrics_networks: Vec<IpNet>) -> Router {
    // Installed before anything is counted: the node starts after its API.
    metrics_recorder();
    let state = Arc::new(state);
    let protected = Router::new()
        .route("/messages", get(messages::list))
        .route(
            "/messages/{id}",
            get(messages::show).delete(queue_ops::delete_message),
        )
        .route("/messages/{id}/{action}", post(queue_ops::message_action))
        .route("/queue/{action}", post(queue_ops::queue_action))
        .route("/alerts", get(alerts::list))
        .route("/alerts/{id}/ack", post(alerts::acknowledge))
        .merge(insight_routes())
        .merge(settings_routes())
        .route("/fixes", get(fixes::list))
        .route("/fixes/{id}/apply", post(fixes::apply))
        .route("/fixes/{id}/undo", post(fixes::undo))
        .route("/audit", get(fixes::audit))
        .route(
            "/alert-settings",
            get(alert_settings::show).patch(alert_settings::edit),
        )
        .route(
            "/alert-settings/connectors/{name}",
            put(alert_settings::set_connector).delete(alert_settings::clear_connector),
        )
        .route("/users", get(users::list))
        .route("/users/{name}", put(users::save).delete(users::remove))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{name}", delete(tokens::revoke))
        .route("/orgs", get(orgs::list).post(orgs::create))
        .route(
            "/orgs/{name}",
            get(orgs::show).patch(orgs::rename).delete(orgs::remove),
        )
        .route("/nodes", get(nodes::list))
        .route("/nodes/{name}/drain", post(nodes::drain))
        .route("/nodes/{name}/resume", post(nodes::resume))
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
        .route(METRICS_PATH, get(scrape::scrape))
        .nest("/api/v1", protected.merge(open))
        .fallback(error::no_such_endpoint)
        .layer(axum::middleware::from_fn(error::explain_method_not_allowed))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(metrics_networks),
            scraper_networks::let_scrapers_in,
        ))
        .with_state(state)
}
