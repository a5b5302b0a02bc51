//! The organisation's settings whole: `GET /org` answers them and
//! `PUT /org` replaces them after checking them as the config is checked
//! (what `mailflow apply` sends), in force at once and audited as one
//! `org-apply` entry with the settings before and after.

use crate::AdminState;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::org_edit::{Edit, current, edit_org};
use crate::org_views::{OrgView, audit_json, from_json};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use std::sync::Arc;

#[utoipa::path(get, path = "/api/v1/org", tag = "settings",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Accepted domains, connectors and directory, as in force now", body = OrgView),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
) -> Result<Json<OrgView>, ApiError> {
    Ok(Json(OrgView::from(
        current(&state, &in_org).await?.as_ref(),
    )))
}

#[utoipa::path(put, path = "/api/v1/org", tag = "settings",
    request_body = OrgView,
    params(("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced, and in force; the settings now", body = OrgView),
        (status = 400, description = "A value cannot be used; `field` names it from the top (`connectors[2].smart_hosts[0]`)", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn replace(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<OrgView>, ApiError> {
    let view: OrgView = from_json(&body)?;
    let settings = view.to_settings()?;
    let (_, now) = edit_org(&state, &in_org, &headers, |org| {
        if *org == settings {
            return Ok((None, ()));
        }
        let edit = Edit {
            action: "org-apply",
            target: "organisation settings".into(),
            before: audit_json(&OrgView::from(&*org)),
            after: audit_json(&OrgView::from(&settings)),
            scope: None,
        };
        *org = settings;
        Ok((Some(edit), ()))
    })
    .await?;
    Ok(Json(OrgView::from(&now)))
}
