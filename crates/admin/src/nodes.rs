//! The nodes sharing the store: `GET /api/v1/nodes` lists each with its
//! heartbeat, version, state and the work it holds;
//! `POST /api/v1/nodes/{name}/drain` and `…/resume` ask a node to stop
//! taking work (finishing or giving back what it holds) or to take it
//! again. The request goes through the store, so any node's API can drain
//! any node: the node named follows it at its next heartbeat, or at once
//! when it is this one. Both are written to the audit log.

use crate::AdminState;
use crate::audit_log;
use crate::caller::AllOrganisations;
use crate::error::ApiError;
use crate::fixes::actor;
use crate::views::rfc3339;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use mailflow_store::NodeStatus;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// One node as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NodeView {
    /// Its `[node] name`.
    pub name: String,
    /// The mailflow version it runs.
    pub version: String,
    pub started_at: String,
    /// Its last heartbeat.
    pub last_seen: String,
    /// `running`, `draining`, `drained`, `stopped` (cleanly), or `missing`:
    /// no heartbeat for three of its intervals (dead, hung or cut off; the
    /// work it holds goes to other nodes as its leases run out).
    pub state: String,
    /// An operator asked it to drain, and it stays so until resumed (also
    /// across restarts).
    pub drain_requested: bool,
    /// Recipients in flight under its lease.
    pub in_flight: u64,
    /// Where its admin API listens.
    pub admin_url: Option<String>,
    /// Whether it is the node that answered this request.
    pub this_node: bool,
}

impl NodeView {
    fn new(node: &NodeStatus, now: OffsetDateTime, this_node: Option<&str>) -> NodeView {
        let state = match node.is_missing(now) {
            true => "missing",
            false => node.state.as_str(),
        };
        NodeView {
            name: node.name.clone(),
            version: node.version.clone(),
            started_at: rfc3339(node.started_at),
            last_seen: rfc3339(node.last_seen),
            state: state.to_string(),
            drain_requested: node.drain_requested_at.is_some(),
            in_flight: node.in_flight,
            admin_url: node.admin_addr.clone(),
            this_node: this_node == Some(node.name.as_str()),
        }
    }
}

/// The name of the node serving the API, if one runs.
fn this_node(state: &AdminState) -> Option<&str> {
    state.node.get().map(|node| node.node_name())
}

#[utoipa::path(get, path = "/api/v1/nodes", tag = "nodes",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every node that ever wrote a heartbeat to the store, by name", body = [NodeView]),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<Arc<AdminState>>,
    _every: AllOrganisations,
) -> Result<Json<Vec<NodeView>>, ApiError> {
    let now = state.clock.now();
    let nodes = state.store.nodes().await?;
    let this = this_node(&state);
    Ok(Json(
        nodes.iter().map(|n| NodeView::new(n, now, this)).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/nodes/{name}/drain", tag = "nodes",
    params(("name" = String, Path, description = "The node's name"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Asked: the node takes no new work (new SMTP clients get 421 4.3.2), finishes its deliveries under way, gives back what it still holds, then shows `drained`. It stays so until resumed, also across restarts", body = NodeView),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 403, description = "A read-only token", body = crate::ErrorBody),
        (status = 404, description = "No node of that name has written a heartbeat", body = crate::ErrorBody),
    ))]
pub(crate) async fn drain(
    State(state): State<Arc<AdminState>>,
    _every: AllOrganisations,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Json<NodeView>, ApiError> {
    let at = state.clock.now();
    ask(&state, &name, &headers, Some(at)).await
}

#[utoipa::path(post, path = "/api/v1/nodes/{name}/resume", tag = "nodes",
    params(("name" = String, Path, description = "The node's name"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The drain request is withdrawn: the node takes work again", body = NodeView),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 403, description = "A read-only token", body = crate::ErrorBody),
        (status = 404, description = "No node of that name has written a heartbeat", body = crate::ErrorBody),
    ))]
pub(crate) async fn resume(
    State(state): State<Arc<AdminState>>,
    _every: AllOrganisations,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Json<NodeView>, ApiError> {
    ask(&state, &name, &headers, None).await
}

/// Makes (`Some`) or withdraws (`None`) the drain request, audits it, and
/// tells this node to look now when it is the one named.
async fn ask(
    state: &AdminState,
    name: &str,
    headers: &HeaderMap,
    drain_at: Option<OffsetDateTime>,
) -> Result<Json<NodeView>, ApiError> {
    let not_found = || ApiError::NotFound {
        what: "node",
        id: name.to_string(),
    };
    let before = state.store.node(name).await?.ok_or_else(not_found)?;
    if !state.store.set_drain_request(name, drain_at).await? {
        return Err(not_found());
    }
    if let Some(node) = state.node.get()
        && node.node_name() == name
    {
        node.look_for_drain_request();
    }
    let action = match drain_at {
        Some(_) => "node-drain",
        None => "node-resume",
    };
    let described = |node: &NodeStatus| {
        json!({
            "state": node.state.as_str(),
            "drain_requested": node.drain_requested_at.is_some(),
            "in_flight": node.in_flight,
        })
    };
    let after = NodeStatus {
        drain_requested_at: drain_at,
        ..before.clone()
    };
    let audit_id = audit_log::record(
        state,
        None,
        actor(headers),
        action,
        name,
        described(&before),
        described(&after),
    )
    .await?;
    tracing::info!(audit_id, action, node = name, "node drain request");
    let now = state.clock.now();
    Ok(Json(NodeView::new(&after, now, this_node(state))))
}
