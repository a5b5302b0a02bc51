//! The web console: pages served by the node's admin listener at `/`,
//! rendered on the server from templates checked at compile time, over the
//! admin API itself.
//!
//! Every page and action calls the API in-process with the token its
//! session was opened with, so the console can do exactly what that token
//! may, with the same checks, errors and audit entries as the CLI. A
//! request the console does not answer goes on to the API, so
//! `/api/v1/…` is served beside the pages.
//!
//! Log-in takes a token and opens a session: the cookie holds a random id
//! (`HttpOnly`, `SameSite=Strict`, `Secure` when the console is served
//! over TLS); the token stays on the server. Every form carries the
//! session's CSRF token, checked before anything is changed.

mod alerts;
mod api;
mod assets;
mod audit;
mod charts;
mod connector;
mod dashboard;
mod directory;
mod domains;
mod fixes;
mod format;
mod language;
mod login;
mod message;
mod nodes;
mod organisation;
mod page;
mod posted;
mod queue;
mod queue_filter;
mod session;
mod settings;
mod signed;
mod texts;

pub use language::LANGUAGE_COOKIE;
pub use session::{SESSION_COOKIE, Sessions};

use axum::Router;
use axum::routing::{get, post};
use mailflow_core::Clock;
use std::sync::Arc;

/// How the console is served.
#[derive(Clone)]
pub struct ConsoleOptions {
    /// Mark the session cookie `Secure`: the console is reached over TLS
    /// (directly or through a proxy that terminates it).
    pub secure_cookies: bool,
    pub clock: Arc<dyn Clock>,
}

/// What the console's handlers share.
pub(crate) struct ConsoleState {
    /// The admin API, called in-process.
    pub api: Router,
    pub sessions: Sessions,
    pub options: ConsoleOptions,
}

/// The console's pages in front of `api`: a request no page answers goes
/// on to the API unchanged.
pub fn with_console(api: Router, options: ConsoleOptions) -> Router {
    let state = Arc::new(ConsoleState {
        api: api.clone(),
        sessions: Sessions::default(),
        options,
    });
    Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/org", post(organisation::choose))
        .route("/assets/{file}", get(assets::serve))
        .route("/connectors/{name}", get(connector::show))
        .route("/connectors/{name}/edit", post(connector::edit))
        .route("/connectors/{name}/validate", post(connector::validate))
        .route("/connectors/{name}/enabled", post(connector::set_enabled))
        .route("/fixes", get(fixes::list))
        .route("/fixes/{id}", get(fixes::preview))
        .route("/fixes/{id}/apply", post(fixes::apply))
        .route("/audit", get(audit::list))
        .route("/audit/{id}", get(audit::show))
        .route("/audit/{id}/undo", post(audit::undo))
        .route("/queue", get(queue::list))
        .route("/queue/action", post(queue::action))
        .route("/messages/{id}", get(message::show))
        .route("/messages/{id}/action", post(message::action))
        .route("/alerts", get(alerts::list))
        .route("/alerts/{id}/ack", post(alerts::acknowledge))
        .route("/alerts/rules", post(alerts::save_rules))
        .route(
            "/alerts/rules/{connector}",
            post(alerts::save_connector_rules),
        )
        .route("/domains", get(domains::list).post(domains::add))
        .route("/domains/{name}/remove", post(domains::remove))
        .route("/directory", get(directory::list).post(directory::add))
        .route("/directory/remove", post(directory::remove))
        .route("/directory/import", post(directory::import))
        .route("/nodes", get(nodes::list))
        .route("/nodes/{name}/drain", post(nodes::drain))
        .route("/nodes/{name}/resume", post(nodes::resume))
        .route("/settings", get(settings::show))
        .route("/settings/users", post(settings::save_user))
        .route("/settings/users/{name}/remove", post(settings::remove_user))
        .route("/settings/tokens", post(settings::create_token))
        .route(
            "/settings/tokens/{name}/revoke",
            post(settings::revoke_token),
        )
        .layer(axum::middleware::from_fn(language::remember_choice))
        .with_state(state)
        .fallback_service(api)
}
