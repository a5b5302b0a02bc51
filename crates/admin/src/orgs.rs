//! The organisations themselves: `GET/POST /api/v1/orgs` and
//! `GET/PATCH/DELETE /api/v1/orgs/{name}` list them, make one (with empty
//! settings), show one, rename one and remove one. Only a caller of every
//! organisation may; an organisation's token gets the `404` a missing path
//! would (`AllOrganisations`).
//!
//! A change is made in the store under the settings lock
//! (`NodeHandle::lock_org_edits`) and put in force on the running node
//! before the lock is let go, so that the next RCPT and the next delivery
//! round know of it. The node's own organisation is named by its
//! configuration: it is neither renamed nor removed here. Each change is
//! one audit entry of the cluster's (`org-create`, `org-rename`,
//! `org-remove`).

use crate::AdminState;
use crate::audit_log;
use crate::caller::AllOrganisations;
use crate::error::ApiError;
use crate::fixes::actor;
use crate::org_views::{audit_json, from_json};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use mailflow_core::{OrgSettings, org_check};
use mailflow_relay::NodeHandle;
use mailflow_store::{OrgRemoval, OrgRename};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use utoipa::ToSchema;

/// One organisation as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrganisationView {
    pub name: String,
    /// Whether it is the organisation of the node that answered (named by
    /// its configuration; its trusted networks and SMTP AUTH relay for it).
    pub own: bool,
    /// Its accepted domains' names.
    pub accepted_domains: Vec<String>,
    /// Its connectors' names.
    pub connectors: Vec<String>,
}

impl OrganisationView {
    fn new(name: &str, settings: &OrgSettings, own: Option<&str>) -> OrganisationView {
        OrganisationView {
            name: name.to_string(),
            own: own == Some(name),
            accepted_domains: settings
                .accepted_domains
                .iter()
                .map(|domain| domain.name.clone())
                .collect(),
            connectors: settings.connectors.iter().map(|c| c.name.clone()).collect(),
        }
    }
}

/// The body of `POST /orgs` and `PATCH /orgs/{name}`: the (new) name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationName {
    /// 1 to 63 ASCII letters, digits, `-`, `_` and `.`, not starting with
    /// `.` or `-`.
    pub name: String,
}

#[utoipa::path(get, path = "/api/v1/orgs", tag = "organisations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every organisation, by name, with its accepted domains and connectors", body = [OrganisationView]),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "A token of one organisation: as if the path did not exist", body = crate::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<Arc<AdminState>>,
    _all: AllOrganisations,
) -> Result<Json<Vec<OrganisationView>>, ApiError> {
    let own = own_org(&state);
    let mut views = Vec::new();
    for name in known(&state).await? {
        if let Some(settings) = settings_of(&state, &name).await? {
            views.push(OrganisationView::new(&name, &settings, own.as_deref()));
        }
    }
    Ok(Json(views))
}

#[utoipa::path(get, path = "/api/v1/orgs/{name}", tag = "organisations",
    params(("name" = String, Path, description = "The organisation's name")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The organisation", body = OrganisationView),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No organisation of that name (or a token of one organisation)", body = crate::ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<Arc<AdminState>>,
    _all: AllOrganisations,
    Path(name): Path<String>,
) -> Result<Json<OrganisationView>, ApiError> {
    Ok(Json(view(&state, &name).await?))
}

#[utoipa::path(post, path = "/api/v1/orgs", tag = "organisations",
    request_body = OrganisationName,
    params(("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Made, with no accepted domain, connector or directory entry, and in force", body = OrganisationView),
        (status = 400, description = "Not an organisation name; `field` is `name`", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "A token of one organisation: as if the path did not exist", body = crate::ErrorBody),
        (status = 409, description = "An organisation of that name exists", body = crate::ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<Arc<AdminState>>,
    _all: AllOrganisations,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<OrganisationView>), ApiError> {
    let OrganisationName { name } = from_json(&body)?;
    check_name(&name)?;
    let node = state.node.get();
    let _one = lock(node).await?;
    let exists = || ApiError::Conflict {
        id: name.clone(),
        message: format!("an organisation named {name:?} exists already"),
    };
    if known(&state).await?.contains(&name) {
        return Err(exists());
    }
    if !state
        .store
        .create_org(&name, &OrgSettings::default())
        .await?
    {
        return Err(exists());
    }
    put_in_force(node).await?;
    let made = view(&state, &name).await?;
    let audit_id = audit_log::record(
        &state,
        None,
        actor(&headers),
        "org-create",
        &name,
        json!(null),
        audit_json(&made),
    )
    .await?;
    tracing::info!(audit_id, org = %name, "organisation made");
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(patch, path = "/api/v1/orgs/{name}", tag = "organisations",
    request_body = OrganisationName,
    params(("name" = String, Path, description = "The organisation's name now"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Renamed, with everything it had (settings, queued mail, history, users, tokens, audit entries), and in force; the organisation under its new name", body = OrganisationView),
        (status = 400, description = "The new name is not an organisation name; `field` is `name`", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No organisation of that name (or a token of one organisation)", body = crate::ErrorBody),
        (status = 409, description = "The new name is taken, or it is the node's own organisation, whose name its configuration gives", body = crate::ErrorBody),
    ))]
pub(crate) async fn rename(
    State(state): State<Arc<AdminState>>,
    _all: AllOrganisations,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<OrganisationView>, ApiError> {
    let OrganisationName { name: to } = from_json(&body)?;
    check_name(&to)?;
    let node = state.node.get();
    let _one = lock(node).await?;
    let names = known(&state).await?;
    if !names.contains(&name) {
        return Err(not_found(&name));
    }
    refuse_own(&state, &name, "renamed")?;
    let taken = || ApiError::Conflict {
        id: to.clone(),
        message: format!("an organisation named {to:?} exists already"),
    };
    if names.contains(&to) {
        return Err(taken());
    }
    match state.store.rename_org(&name, &to).await? {
        OrgRename::Renamed => {}
        OrgRename::Unknown => return Err(not_found(&name)),
        OrgRename::Taken => return Err(taken()),
    }
    put_in_force(node).await?;
    let renamed = view(&state, &to).await?;
    let audit_id = audit_log::record(
        &state,
        None,
        actor(&headers),
        "org-rename",
        &name,
        json!({ "name": name }),
        json!({ "name": to }),
    )
    .await?;
    tracing::info!(audit_id, from = %name, to = %to, "organisation renamed");
    Ok(Json(renamed))
}

#[utoipa::path(delete, path = "/api/v1/orgs/{name}", tag = "organisations",
    params(("name" = String, Path, description = "The organisation's name"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed, with everything it had: settings, its mail's history, alerts, users, tokens and audit entries"),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No organisation of that name (or a token of one organisation)", body = crate::ErrorBody),
        (status = 409, description = "Mail of it still waits, or reports to its senders are owed (the message says how many), or it is the node's own organisation", body = crate::ErrorBody),
    ))]
pub(crate) async fn remove(
    State(state): State<Arc<AdminState>>,
    _all: AllOrganisations,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let node = state.node.get();
    let _one = lock(node).await?;
    let before = view(&state, &name).await?;
    refuse_own(&state, &name, "removed")?;
    match state.store.remove_org(&name).await? {
        OrgRemoval::Removed => {}
        OrgRemoval::Unknown => return Err(not_found(&name)),
        OrgRemoval::StillQueued {
            recipients,
            reports,
        } => {
            return Err(ApiError::Conflict {
                id: name.clone(),
                message: format!(
                    "organisation {name:?} still has mail: {recipients} recipient(s) waiting \
                     and {reports} report(s) owed to senders; deliver, bounce or delete it \
                     first, then remove the organisation"
                ),
            });
        }
    }
    put_in_force(node).await?;
    let audit_id = audit_log::record(
        &state,
        None,
        actor(&headers),
        "org-remove",
        &name,
        audit_json(&before),
        json!(null),
    )
    .await?;
    tracing::info!(audit_id, org = %name, "organisation removed");
    Ok(StatusCode::NO_CONTENT)
}

/// The organisation of the node that answers, or of the store the CLI
/// serves without one.
fn own_org(state: &AdminState) -> Option<String> {
    match state.node.get() {
        Some(node) => Some(node.org_name().to_string()),
        None => state.own_org.clone(),
    }
}

/// Every organisation's name, in order: those in force on the node, those
/// with settings in the store (made by another node a moment ago), and
/// the node's own.
async fn known(state: &AdminState) -> Result<BTreeSet<String>, ApiError> {
    let mut names: BTreeSet<String> = state.store.org_names().await?.into_iter().collect();
    if let Some(node) = state.node.get() {
        names.extend(node.orgs().names().map(str::to_string));
    }
    names.extend(own_org(state));
    Ok(names)
}

/// `name`'s settings: those in force on the node, else the store's; the
/// node's own organisation has (empty) settings before any are saved.
async fn settings_of(state: &AdminState, name: &str) -> Result<Option<OrgSettings>, ApiError> {
    if let Some(settings) = state.node.get().and_then(|node| node.org_of(name)) {
        return Ok(Some((*settings).clone()));
    }
    let stored = state.store.org_settings(name).await?;
    Ok(stored.or_else(|| (own_org(state).as_deref() == Some(name)).then(OrgSettings::default)))
}

async fn view(state: &AdminState, name: &str) -> Result<OrganisationView, ApiError> {
    let settings = settings_of(state, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    Ok(OrganisationView::new(
        name,
        &settings,
        own_org(state).as_deref(),
    ))
}

/// The settings lock of the running node, held from the check to the
/// change in force; without a node, the CLI holds the data directory.
async fn lock(
    node: Option<&NodeHandle>,
) -> Result<Option<mailflow_relay::ClusterLock<'_>>, ApiError> {
    match node {
        Some(node) => Ok(Some(node.lock_org_edits().await?)),
        None => Ok(None),
    }
}

/// Puts the organisations in the store in force on the running node.
async fn put_in_force(node: Option<&NodeHandle>) -> Result<(), ApiError> {
    if let Some(node) = node {
        node.reload_orgs().await?;
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), ApiError> {
    org_check::org_name(name).map_err(|message| ApiError::Invalid {
        field: "name".into(),
        message,
    })
}

/// The node's own organisation is named by its configuration, which every
/// start reads again: renaming or removing it here would not last.
fn refuse_own(state: &AdminState, name: &str, done: &str) -> Result<(), ApiError> {
    if own_org(state).as_deref() != Some(name) {
        return Ok(());
    }
    Err(ApiError::Conflict {
        id: name.to_string(),
        message: format!(
            "{name:?} is this node's own organisation: its name comes from the node's \
             configuration, so it cannot be {done} through the API"
        ),
    })
}

fn not_found(name: &str) -> ApiError {
    ApiError::NotFound {
        what: "organisation",
        id: name.to_string(),
    }
}
