//! Alerts over the API: `GET /api/v1/alerts?state=open|resolved|all&lang=&limit=`
//! (open by default, newest first, explained in the language `lang` asks
//! for, English by default) and `POST /api/v1/alerts/{id}/ack`, which
//! records who acknowledged an alert (the `x-mailflow-actor` header, default
//! `api`). An acknowledged alert stays open until its backlog drains.

use crate::AdminState;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::query::{self, QueryMap};
use crate::views::rfc3339;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use mailflow_alerts::{AlertNotice, Language, NoticeStatus};
use mailflow_insight::Explanation;
use mailflow_store::{Alert, AlertStateFilter};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// One alert as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AlertView {
    pub id: i64,
    /// `open` or `resolved`.
    pub state: String,
    /// `null`: mail routed by MX, without a connector.
    pub connector: Option<String>,
    /// The dominant last-error code of the connector's queue.
    pub code: String,
    pub category: Option<String>,
    pub detail: Option<String>,
    /// `queued_count` (N recipients over T) or `oldest_age`.
    pub rule: String,
    pub queued: u64,
    pub queued_over_age: u64,
    pub oldest_received_at: Option<String>,
    pub opened_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    /// What is wrong, since when, how much and why; the likely causes and
    /// what to do (empty once resolved), in the language asked for.
    pub explanation: Explanation,
}

impl AlertView {
    pub fn new(alert: &Alert, language: Language) -> Self {
        let notice = AlertNotice::new(alert, NoticeStatus::Updated, alert.updated_at);
        let explained = mailflow_alerts::explain(alert, language);
        AlertView {
            id: alert.id,
            state: if alert.is_open() { "open" } else { "resolved" }.to_string(),
            connector: alert.connector.clone(),
            code: alert.code.clone(),
            category: notice.category,
            detail: notice.detail,
            rule: alert.rule.as_str().to_string(),
            queued: alert.values.queued,
            queued_over_age: alert.values.queued_over_age,
            oldest_received_at: alert.values.oldest_received_at.map(rfc3339),
            opened_at: rfc3339(alert.opened_at),
            updated_at: rfc3339(alert.updated_at),
            resolved_at: alert.resolved_at.map(rfc3339),
            acknowledged_at: alert.acknowledged_at.map(rfc3339),
            acknowledged_by: alert.acknowledged_by.clone(),
            explanation: Explanation {
                summary: explained.summary,
                causes: explained.causes,
                actions: explained.actions,
            },
        }
    }
}

#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts",
    params(("state" = Option<String>, Query, description = "`open` (default), `resolved` or `all`"),
        ("lang" = Option<String>, Query, description = "A BCP 47 language tag for the explanation (`en`, `fr`, `ru`, `pt-BR`, `zh-TW`); English by default"),
        ("limit" = Option<usize>, Query, description = "At most this many alerts, newest first (default 100, at most 1000; more is refused with `400` naming `limit`)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The organisation's alerts, newest first", body = [AlertView]),
        (status = 400, description = "The state, the language or the limit was not understood", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Query(query): Query<QueryMap>,
) -> Result<Json<Vec<AlertView>>, ApiError> {
    query::only_known(&query, &["state", "lang", "limit"], "parameter")?;
    let (filter, language) = (state_filter(&query)?, query::language(&query)?);
    let limit = query::limit(&query)?;
    let alerts = state.store.list_alerts(&in_org.name, filter).await?;
    let views = alerts
        .iter()
        .take(limit)
        .map(|alert| AlertView::new(alert, language));
    Ok(Json(views.collect()))
}

#[utoipa::path(post, path = "/api/v1/alerts/{id}/ack", tag = "alerts",
    params(("id" = i64, Path, description = "The alert id"),
        ("x-mailflow-actor" = Option<String>, Header, description = "Who acknowledges")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Acknowledged", body = AlertView),
        (status = 400, description = "The id is not an alert id", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such alert", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn acknowledge(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<AlertView>, ApiError> {
    let alert_id: i64 = id.parse().map_err(|_| ApiError::BadField {
        field: "id",
        message: format!("{id:?} is not an alert id (a whole number)"),
    })?;
    let org = in_org.name.clone();
    let not_found = || ApiError::AlertNotFound { id: id.clone() };
    match state.store.alert(alert_id).await? {
        Some(alert) if alert.org == org => {}
        _ => return Err(not_found()),
    }
    let actor = crate::fixes::actor(&headers);
    let now = state.clock.now();
    let acked = mailflow_alerts::acknowledge(state.store.as_ref(), alert_id, &actor, now).await?;
    acked
        .map(|alert| Json(AlertView::new(&alert, Language::English)))
        .ok_or_else(not_found)
}

fn state_filter(query: &QueryMap) -> Result<AlertStateFilter, ApiError> {
    match query.get("state") {
        None => Ok(AlertStateFilter::Open),
        Some(text) => text.parse().map_err(|message| ApiError::BadField {
            field: "state",
            message,
        }),
    }
}
