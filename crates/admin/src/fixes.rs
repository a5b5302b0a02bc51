//! Fix actions and operator queue actions over the API:
//! `GET /fixes`, `POST /fixes/{id}/apply`, `POST /fixes/{id}/undo` (the id
//! of the audit entry that `apply` returned), `GET /audit`, and
//! `POST /connectors/{name}/{retry|suspend|resume|bounce}`.
//!
//! They act on the running node (settings in force at once, scheduler
//! woken), so they answer `503` until the node has started.

use crate::AdminState;
use crate::caller::{OrgFilter, OrgScope};
use crate::error::ApiError;
use crate::fix_views::{AuditEntryView, FixView};
use crate::query::{self, QueryMap};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use mailflow_fixes::FixKind;
use mailflow_relay::NodeHandle;
use std::sync::Arc;

/// Names who acted in the audit log; default `api`.
pub const ACTOR_HEADER: &str = "x-mailflow-actor";

#[utoipa::path(get, path = "/api/v1/fixes", tag = "fixes",
    params(("lang" = Option<String>, Query, description = "A BCP 47 language tag for the previews' words (`en`, `fr`, `ru`, `pt-BR`, `zh-TW`); English by default")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Fixes offered now, per connector, with their previews", body = [FixView]),
        (status = 400, description = "The language was not understood", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Query(query): Query<QueryMap>,
) -> Result<Json<Vec<FixView>>, ApiError> {
    query::only_known(&query, &["lang"], "parameter")?;
    let language = query::language(&query)?;
    let node = node(&state)?;
    if in_org.name != node.org_name() {
        return Ok(Json(Vec::new()));
    }
    let offers = mailflow_fixes::offered_now(node).await?;
    Ok(Json(
        offers
            .iter()
            .map(|fix| FixView::new(fix, language))
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/fixes/{id}/apply", tag = "fixes",
    params(("id" = String, Path, description = "The fix id, e.g. `stop-relaying:to-onprem`"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Applied; the audit entry to undo it by", body = AuditEntryView),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such fix or connector", body = crate::ErrorBody),
        (status = 409, description = "The fix does not apply to the settings as they are", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn apply(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<AuditEntryView>, ApiError> {
    let node = own_organisation(&state, &in_org, &id)?;
    let entry = mailflow_fixes::apply(node, &id, &actor(&headers)).await?;
    Ok(Json(AuditEntryView::from(&entry)))
}

#[utoipa::path(post, path = "/api/v1/fixes/{id}/undo", tag = "fixes",
    params(("id" = u64, Path, description = "The audit entry id that apply returned"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Undone; the undo's own audit entry", body = AuditEntryView),
        (status = 400, description = "The id is not an audit entry id", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such audit entry", body = crate::ErrorBody),
        (status = 409, description = "Undone already, or cannot be undone", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn undo(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<AuditEntryView>, ApiError> {
    let audit_id: u64 = id.parse().map_err(|_| ApiError::BadField {
        field: "id",
        message: format!("{id:?} is not an audit entry id (a whole number)"),
    })?;
    let theirs = state.store.audit_entry(audit_id).await?;
    if theirs.is_some_and(|entry| entry.org.as_deref() != Some(in_org.name.as_str())) {
        return Err(ApiError::NotFound {
            what: "audit entry",
            id,
        });
    }
    let entry = mailflow_fixes::undo(node(&state)?, audit_id, &actor(&headers)).await?;
    Ok(Json(AuditEntryView::from(&entry)))
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "fixes",
    params(("limit" = Option<usize>, Query, description = "At most this many entries (default 100, at most 1000; more is refused with `400` naming `limit`)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Audit entries, newest first", body = [AuditEntryView]),
        (status = 400, description = "A query field was not understood, or `limit` is not from 1 to 1000", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
    ))]
pub(crate) async fn audit(
    State(state): State<Arc<AdminState>>,
    OrgFilter(org): OrgFilter,
    Query(query): Query<QueryMap>,
) -> Result<Json<Vec<AuditEntryView>>, ApiError> {
    query::only_known(&query, &["limit"], "parameter")?;
    let limit = query::limit(&query)?;
    let entries = state.store.audit_entries(org.as_deref(), limit).await?;
    Ok(Json(entries.iter().map(AuditEntryView::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/connectors/{name}/{action}", tag = "fixes",
    params(("name" = String, Path, description = "The connector"),
        ("action" = String, Path, description = "`retry`, `suspend`, `resume` or `bounce`"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done; its audit entry", body = AuditEntryView),
        (status = 400, description = "Unknown action", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such connector", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn connector_action(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path((name, action)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<AuditEntryView>, ApiError> {
    let verb = match action.as_str() {
        "retry" | "suspend" | "resume" => action.as_str(),
        "bounce" => "bounce-all",
        _ => {
            return Err(ApiError::BadField {
                field: "action",
                message: format!(
                    "unknown action {action:?}; expected retry, suspend, resume or bounce"
                ),
            });
        }
    };
    let kind = FixKind::from_parts(verb, &name).expect("a known verb");
    let node = own_organisation(&state, &in_org, &kind.id())?;
    let entry = mailflow_fixes::apply(node, &kind.id(), &actor(&headers)).await?;
    Ok(Json(AuditEntryView::from(&entry)))
}

fn node(state: &AdminState) -> Result<&NodeHandle, ApiError> {
    state.node.get().ok_or(ApiError::NodeNotRunning)
}

/// The node, when the request acts on the node's own organisation: fixes
/// are offered and applied there only for now; another organisation has
/// none, so the fix `id` is not there.
fn own_organisation<'s>(
    state: &'s AdminState,
    in_org: &OrgScope,
    id: &str,
) -> Result<&'s NodeHandle, ApiError> {
    let node = node(state)?;
    if in_org.name != node.org_name() {
        return Err(ApiError::NotFound {
            what: "fix",
            id: id.to_string(),
        });
    }
    Ok(node)
}

/// Who acts, for the audit log: the `x-mailflow-actor` header as sent
/// (the CLI sends `cli:<user>` with every request), else `api`.
pub(crate) fn actor(headers: &HeaderMap) -> String {
    headers
        .get(ACTOR_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map_or_else(|| "api".to_string(), str::to_string)
}
