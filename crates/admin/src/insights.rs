//! `GET /api/v1/insights` and `GET /api/v1/insights/{connector}`: the live
//! picture of each connector (SPEC 4), computed by `mailflow-insight` from
//! the store and the clock, in the language `?lang=` asks for.

use crate::AdminState;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::query::{self, QueryMap};
use axum::Json;
use axum::extract::{Path, Query, State};
use mailflow_insight::{ConnectorInsight, Language, MX_ROUTING};
use std::sync::Arc;
use utoipa::IntoParams;

#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query for OpenAPI; parsed by `language`
pub struct InsightQuery {
    /// A BCP 47 language tag for the explanation (`en`, `fr`, `ru`, `pt-BR`,
    /// `zh-TW`); English by default.
    lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/insights", tag = "insights", params(InsightQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every connector's insight, then MX routing's when it is used", body = [ConnectorInsight]),
        (status = 400, description = "The language was not understood", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Query(query): Query<QueryMap>,
) -> Result<Json<Vec<ConnectorInsight>>, ApiError> {
    let language = language(&query)?;
    let org = in_org.name.clone();
    let insights = mailflow_insight::connector_insights(
        state.store.as_ref(),
        state.clock.as_ref(),
        &org,
        language,
    )
    .await?;
    Ok(Json(insights))
}

#[utoipa::path(get, path = "/api/v1/insights/{connector}", tag = "insights",
    params(("connector" = String, Path, description = "A connector's name; `_mx` for MX routing without a connector"), InsightQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The connector's insight with its history of the last day", body = ConnectorInsight),
        (status = 400, description = "The language was not understood", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such connector", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(connector): Path<String>,
    Query(query): Query<QueryMap>,
) -> Result<Json<ConnectorInsight>, ApiError> {
    let language = language(&query)?;
    let org = in_org.name.clone();
    let (store, clock) = (state.store.as_ref(), state.clock.as_ref());
    let named = mailflow_insight::connector_insight(store, clock, &org, Some(&connector), language);
    if let Some(insight) = named.await? {
        return Ok(Json(insight));
    }
    if connector == MX_ROUTING {
        let mx = mailflow_insight::connector_insight(store, clock, &org, None, language).await?;
        if let Some(insight) = mx {
            return Ok(Json(insight));
        }
    }
    Err(ApiError::ConnectorNotFound { name: connector })
}

fn language(query: &QueryMap) -> Result<Language, ApiError> {
    query::only_known(query, &["lang"], "parameter")?;
    query::language(query)
}
