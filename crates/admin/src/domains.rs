//! The organisation's accepted domains over the API:
//! `GET/POST /accepted-domains` and `GET/PUT/DELETE /accepted-domains/{name}`.
//! A change is in force for the next RCPT at once, kept in the store, and
//! audited (`domain-add`, `domain-edit`, `domain-remove`).

use crate::AdminState;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::org_edit::{Edit, current, edit_org};
use crate::org_views::{DomainView, audit_json, from_json};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use mailflow_core::{FieldPath, OrgSettings};
use std::sync::Arc;

#[utoipa::path(get, path = "/api/v1/accepted-domains", tag = "settings",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The accepted domains", body = [DomainView]),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
) -> Result<Json<Vec<DomainView>>, ApiError> {
    let org = current(&state, &in_org).await?;
    Ok(Json(
        org.accepted_domains.iter().map(DomainView::from).collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/accepted-domains/{name}", tag = "settings",
    params(("name" = String, Path, description = "The domain")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The accepted domain", body = DomainView),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "Not an accepted domain", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
) -> Result<Json<DomainView>, ApiError> {
    let org = current(&state, &in_org).await?;
    let index = position(&org, &name)?;
    Ok(Json(DomainView::from(&org.accepted_domains[index])))
}

#[utoipa::path(post, path = "/api/v1/accepted-domains", tag = "settings",
    request_body = DomainView,
    params(("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added, and in force", body = DomainView),
        (status = 400, description = "A value cannot be used (an internal_relay domain needs a connector that carries it); `field` names it", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 409, description = "The domain is accepted already", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn add(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<DomainView>), ApiError> {
    let view: DomainView = from_json(&body)?;
    let domain = view.to_domain()?;
    let (added, _) = edit_org(&state, &in_org, &headers, |org| {
        if org.accepted_domain(&domain.name).is_some() {
            return Err(ApiError::Conflict {
                id: domain.name.clone(),
                message: format!(
                    "{} is accepted already; change its type with PUT /api/v1/accepted-domains/{}",
                    domain.name, domain.name
                ),
            });
        }
        org.accepted_domains.push(domain.clone());
        let view = DomainView::from(&domain);
        let edit = Edit {
            action: "domain-add",
            target: domain.name.clone(),
            before: serde_json::Value::Null,
            after: audit_json(&view),
            scope: Some(scope(org.accepted_domains.len() - 1)),
        };
        Ok((Some(edit), view))
    })
    .await?;
    Ok((StatusCode::CREATED, Json(added)))
}

#[utoipa::path(put, path = "/api/v1/accepted-domains/{name}", tag = "settings",
    request_body(content = DomainView, description = "`{\"type\": …}`; `name` may be left out"),
    params(("name" = String, Path, description = "The domain"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed, and in force for the next RCPT", body = DomainView),
        (status = 400, description = "A value cannot be used; `field` names it", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "Not an accepted domain", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn replace(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<DomainView>, ApiError> {
    let mut view: DomainView = from_json(&body)?;
    if view.name.is_empty() {
        view.name = name.clone();
    }
    let domain = view.to_domain()?;
    if !domain.name.eq_ignore_ascii_case(&name) {
        return Err(ApiError::Invalid {
            field: "name".into(),
            message: format!(
                "{:?} is not {name:?}: a domain cannot be renamed; add the new one and remove the old one",
                view.name
            ),
        });
    }
    let (changed, _) = edit_org(&state, &in_org, &headers, |org| {
        let index = position(org, &name)?;
        let old = org.accepted_domains[index].clone();
        let view = DomainView::from(&domain);
        if old == domain {
            return Ok((None, view));
        }
        org.accepted_domains[index] = domain.clone();
        let edit = Edit {
            action: "domain-edit",
            target: domain.name.clone(),
            before: audit_json(&DomainView::from(&old)),
            after: audit_json(&view),
            scope: Some(scope(index)),
        };
        Ok((Some(edit), view))
    })
    .await?;
    Ok(Json(changed))
}

#[utoipa::path(delete, path = "/api/v1/accepted-domains/{name}", tag = "settings",
    params(("name" = String, Path, description = "The domain"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed, and in force for the next RCPT; the domain as it was", body = DomainView),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "Not an accepted domain", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn remove(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Json<DomainView>, ApiError> {
    let (removed, _) = edit_org(&state, &in_org, &headers, |org| {
        let index = position(org, &name)?;
        let removed = org.accepted_domains.remove(index);
        let view = DomainView::from(&removed);
        let edit = Edit {
            action: "domain-remove",
            target: removed.name.clone(),
            before: audit_json(&view),
            after: serde_json::Value::Null,
            scope: None,
        };
        Ok((Some(edit), view))
    })
    .await?;
    Ok(Json(removed))
}

fn position(org: &OrgSettings, name: &str) -> Result<usize, ApiError> {
    let wanted = name.trim().trim_end_matches('.');
    org.accepted_domains
        .iter()
        .position(|d| d.name.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| ApiError::SettingNotFound {
            id: name.to_string(),
            message: format!("{name} is not an accepted domain"),
        })
}

fn scope(index: usize) -> FieldPath {
    FieldPath::key("accepted_domains").at(index)
}
