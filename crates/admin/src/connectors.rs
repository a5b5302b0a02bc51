//! The organisation's connectors over the API: `GET/POST /connectors`,
//! `GET/PUT/PATCH/DELETE /connectors/{name}` and
//! `POST /connectors/{name}/enable|disable`. Every change is checked as the
//! config is, in force for new mail and the next attempt at once, kept in
//! the store, and audited (`connector-add`, `connector-edit`,
//! `connector-remove`, `connector-enable`, `connector-disable`).

use crate::AdminState;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::org_edit::{Edit, current, edit_org};
use crate::org_views::{ConnectorView, audit_json, from_json, json_value};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use mailflow_core::{Connector, FieldPath, OrgSettings};
use std::sync::Arc;

#[utoipa::path(get, path = "/api/v1/connectors", tag = "settings",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The connectors, in the order they are listed", body = [ConnectorView]),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
) -> Result<Json<Vec<ConnectorView>>, ApiError> {
    let org = current(&state, &in_org).await?;
    Ok(Json(
        org.connectors.iter().map(ConnectorView::from).collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/connectors/{name}", tag = "settings",
    params(("name" = String, Path, description = "The connector's name")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The connector", body = ConnectorView),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such connector", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
) -> Result<Json<ConnectorView>, ApiError> {
    let org = current(&state, &in_org).await?;
    let index = position(&org, &name)?;
    Ok(Json(ConnectorView::from(&org.connectors[index])))
}

#[utoipa::path(post, path = "/api/v1/connectors", tag = "settings",
    request_body = ConnectorView,
    params(("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added, and in force", body = ConnectorView),
        (status = 400, description = "A value cannot be used; `field` names it", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 409, description = "A connector of that name exists", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn add(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<ConnectorView>), ApiError> {
    let view: ConnectorView = from_json(&body)?;
    let connector = view.to_connector()?;
    let name = connector.name.clone();
    let (_, org) = edit_org(&state, &in_org, &headers, |org| {
        if org.connector(&name).is_some() {
            return Err(ApiError::Conflict {
                id: name.clone(),
                message: format!(
                    "a connector named {name:?} exists; change it with PUT or PATCH /api/v1/connectors/{name}"
                ),
            });
        }
        org.connectors.push(connector.clone());
        let edit = Edit {
            action: "connector-add",
            target: name.clone(),
            before: serde_json::Value::Null,
            after: audit_json(&ConnectorView::from(&connector)),
            scope: Some(scope(org.connectors.len() - 1)),
        };
        Ok((Some(edit), ()))
    })
    .await?;
    let stored = org.connector(&name).expect("the connector just added");
    Ok((StatusCode::CREATED, Json(ConnectorView::from(stored))))
}

#[utoipa::path(put, path = "/api/v1/connectors/{name}", tag = "settings",
    request_body(content = ConnectorView, description = "The whole connector; fields left out take their defaults"),
    params(("name" = String, Path, description = "The connector's name"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced, and in force", body = ConnectorView),
        (status = 400, description = "A value cannot be used; `field` names it", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such connector", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn replace(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ConnectorView>, ApiError> {
    let mut view: ConnectorView = from_json(&body)?;
    same_name(&mut view, &name)?;
    let connector = view.to_connector()?;
    change_one(&state, &in_org, &headers, &name, "connector-edit", |_| {
        Ok(connector)
    })
    .await
}

#[utoipa::path(patch, path = "/api/v1/connectors/{name}", tag = "settings",
    request_body(content = Object, description = "The fields to change (a JSON merge patch: `null` takes a field back to its default)"),
    params(("name" = String, Path, description = "The connector's name"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed, and in force", body = ConnectorView),
        (status = 400, description = "A value cannot be used; `field` names it", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such connector", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn patch(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ConnectorView>, ApiError> {
    let patch = json_value(&body)?;
    let serde_json::Value::Object(fields) = patch else {
        return Err(ApiError::Invalid {
            field: "body".into(),
            message: "a PATCH body is a JSON object of the fields to change".into(),
        });
    };
    change_one(&state, &in_org, &headers, &name, "connector-edit", |old| {
        let mut merged = audit_json(&ConnectorView::from(old));
        let object = merged
            .as_object_mut()
            .expect("a connector is a JSON object");
        for (key, value) in fields {
            match value {
                serde_json::Value::Null => object.remove(&key),
                value => object.insert(key, value),
            };
        }
        let mut view: ConnectorView = from_json(merged.to_string().as_bytes())?;
        same_name(&mut view, &old.name)?;
        view.to_connector()
    })
    .await
}

#[utoipa::path(delete, path = "/api/v1/connectors/{name}", tag = "settings",
    params(("name" = String, Path, description = "The connector's name"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed; the connector as it was", body = ConnectorView),
        (status = 400, description = "The settings would not hold without it (an internal relay domain only it carries); `field` names what", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such connector", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn remove(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Json<ConnectorView>, ApiError> {
    let (removed, _) = edit_org(&state, &in_org, &headers, |org| {
        let index = position(org, &name)?;
        let removed = org.connectors.remove(index);
        let view = ConnectorView::from(&removed);
        let edit = Edit {
            action: "connector-remove",
            target: name.clone(),
            before: audit_json(&view),
            after: serde_json::Value::Null,
            scope: None,
        };
        Ok((Some(edit), view))
    })
    .await?;
    Ok(Json(removed))
}

#[utoipa::path(post, path = "/api/v1/connectors/{name}/enable", tag = "settings",
    params(("name" = String, Path, description = "The connector's name"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Enabled (or already so), and in force", body = ConnectorView),
        (status = 400, description = "Another enabled connector carries one of its domains; `field` names it", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such connector", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn enable(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Json<ConnectorView>, ApiError> {
    switch(&state, &in_org, &headers, &name, true).await
}

#[utoipa::path(post, path = "/api/v1/connectors/{name}/disable", tag = "settings",
    params(("name" = String, Path, description = "The connector's name"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Disabled (or already so): its mail waits in the queue", body = ConnectorView),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such connector", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn disable(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Json<ConnectorView>, ApiError> {
    switch(&state, &in_org, &headers, &name, false).await
}

async fn switch(
    state: &AdminState,
    in_org: &OrgScope,
    headers: &HeaderMap,
    name: &str,
    enabled: bool,
) -> Result<Json<ConnectorView>, ApiError> {
    let action = if enabled {
        "connector-enable"
    } else {
        "connector-disable"
    };
    change_one(state, in_org, headers, name, action, |old| {
        Ok(Connector {
            enabled,
            ..old.clone()
        })
    })
    .await
}

/// Replaces the connector `name` with what `change` makes of it, audited
/// as `action`; a change that changes nothing is not saved or audited.
async fn change_one(
    state: &AdminState,
    in_org: &OrgScope,
    headers: &HeaderMap,
    name: &str,
    action: &'static str,
    change: impl FnOnce(&Connector) -> Result<Connector, ApiError>,
) -> Result<Json<ConnectorView>, ApiError> {
    let (_, org) = edit_org(state, in_org, headers, |org| {
        let index = position(org, name)?;
        let old = org.connectors[index].clone();
        let new = change(&old)?;
        if new == old {
            return Ok((None, ()));
        }
        org.connectors[index] = new.clone();
        let edit = Edit {
            action,
            target: name.to_string(),
            before: audit_json(&ConnectorView::from(&old)),
            after: audit_json(&ConnectorView::from(&new)),
            scope: Some(scope(index)),
        };
        Ok((Some(edit), ()))
    })
    .await?;
    let stored = org.connector(name).expect("the connector just changed");
    Ok(Json(ConnectorView::from(stored)))
}

fn position(org: &OrgSettings, name: &str) -> Result<usize, ApiError> {
    org.connectors
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| ApiError::SettingNotFound {
            id: name.to_string(),
            message: format!("no connector named {name:?}"),
        })
}

/// A body's name is the path's, or left out; a connector is not renamed.
fn same_name(view: &mut ConnectorView, name: &str) -> Result<(), ApiError> {
    if view.name.is_empty() {
        view.name = name.to_string();
    }
    if view.name.trim() != name {
        return Err(ApiError::Invalid {
            field: "name".into(),
            message: format!(
                "{:?} is not {name:?}: a connector cannot be renamed; add it under the new name and remove the old one",
                view.name
            ),
        });
    }
    Ok(())
}

fn scope(index: usize) -> FieldPath {
    FieldPath::key("connectors").at(index)
}
