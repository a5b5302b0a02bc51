//! `POST /api/v1/connectors/{name}/validate`: a live check of a connector's
//! next hop — DNS, TCP, greeting, EHLO, STARTTLS and certificate at every
//! address — answered with the same diagnosis a delivery attempt gives.
//! No mail is sent.

use crate::AdminState;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::validate_views::ValidationView;
use axum::Json;
use axum::extract::{Path, Query, State};
use mailflow_relay::ValidateError;
use std::collections::HashMap;
use std::sync::Arc;

#[utoipa::path(post, path = "/api/v1/connectors/{name}/validate", tag = "connectors",
    params(
        ("name" = String, Path, description = "The connector's name"),
        ("domain" = Option<String>, Query, description = "For a connector that routes by MX: the recipient domain whose MX to check; default its first recipient domain without a wildcard"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Whether it passed; per address the stage reached and the diagnosis (code, category, detail, reply, server; none when it passed); `diagnosis` is the verdict when no address passed; `tls` what each passing address negotiated", body = ValidationView),
        (status = 400, description = "A domain is needed (the connector only has wildcard domains)", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such connector", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn validate(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<ValidationView>, ApiError> {
    if let Some(unknown) = query
        .keys()
        .find(|key| !["domain", "org"].contains(&key.as_str()))
    {
        return Err(ApiError::BadField {
            field: "query",
            message: format!("unknown parameter {unknown:?}; expected domain"),
        });
    }
    let node = state.node.get().ok_or(ApiError::NodeNotRunning)?;
    let report = node
        .validate_connector(&in_org.name, &name, query.get("domain").map(String::as_str))
        .await
        .map_err(|error| match error {
            ValidateError::UnknownConnector(name)
            | ValidateError::Unusable {
                connector: name, ..
            } => ApiError::ConnectorNotFound { name },
            ValidateError::DomainNeeded(_) => ApiError::BadField {
                field: "domain",
                message: error.to_string(),
            },
        })?;
    Ok(Json(ValidationView::from(&report)))
}
