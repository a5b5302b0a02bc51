//! The organisation's alert settings over the API, changed live (the
//! evaluator reads them at every pass): `GET /alert-settings`,
//! `PATCH /alert-settings` with the fields to change, and
//! `PUT|DELETE /alert-settings/connectors/{name}` for one connector's own
//! thresholds. Fields and checks are the config's `[alerts]`; durations
//! are written as there (`90m`, `4h`). The webhook secret is never shown,
//! only whether one is set. Every change is audited, before and after.

use crate::AdminState;
use crate::audit_log;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::fixes::actor;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use mailflow_store::alert_check::{AlertSettingsProblem, check_alert_settings};
use mailflow_store::{AlertRuleOverrides, AlertSettings};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AlertSettingsView {
    pub queued_threshold: u64,
    /// e.g. `1h`.
    pub queued_age: String,
    /// e.g. `4h`.
    pub oldest_age: String,
    pub webhook_url: Option<String>,
    /// Whether a webhook secret is set (it is never shown).
    pub webhook_secret_set: bool,
    pub admin_emails: Vec<String>,
    pub daily_cap: u32,
    pub invalid_recipient_quota: Option<u64>,
    /// Connectors with thresholds of their own, by name.
    pub connectors: BTreeMap<String, ConnectorAlertRules>,
}

/// One connector's own thresholds; what is left out comes from the
/// organisation's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectorAlertRules {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_threshold: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_age: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_age: Option<String>,
}

/// The fields to change; the others stay. `null` clears an optional one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertSettingsPatch {
    pub queued_threshold: Option<u64>,
    pub queued_age: Option<String>,
    pub oldest_age: Option<String>,
    #[serde(default, with = "clearable")]
    #[schema(value_type = Option<String>)]
    pub webhook_url: Option<Option<String>>,
    #[serde(default, with = "clearable")]
    #[schema(value_type = Option<String>)]
    pub webhook_secret: Option<Option<String>>,
    pub admin_emails: Option<Vec<String>>,
    pub daily_cap: Option<u32>,
    #[serde(default, with = "clearable")]
    #[schema(value_type = Option<u64>)]
    pub invalid_recipient_quota: Option<Option<u64>>,
}

impl From<&AlertSettings> for AlertSettingsView {
    fn from(settings: &AlertSettings) -> Self {
        let connectors = settings
            .connectors
            .iter()
            .map(|(name, own)| {
                let rules = ConnectorAlertRules {
                    queued_threshold: own.queued_threshold,
                    queued_age: own.queued_age.map(human),
                    oldest_age: own.oldest_age.map(human),
                };
                (name.clone(), rules)
            })
            .collect();
        AlertSettingsView {
            queued_threshold: settings.rules.queued_threshold,
            queued_age: human(settings.rules.queued_age),
            oldest_age: human(settings.rules.oldest_age),
            webhook_url: settings.webhook_url.clone(),
            webhook_secret_set: settings.webhook_secret.is_some(),
            admin_emails: settings.admin_emails.clone(),
            daily_cap: settings.daily_cap,
            invalid_recipient_quota: settings.invalid_recipient_quota,
            connectors,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/alert-settings", tag = "alerts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The organisation's alert rules and where alerts go", body = AlertSettingsView),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
) -> Result<Json<AlertSettingsView>, ApiError> {
    let settings = current(&state, &in_org).await?;
    Ok(Json(AlertSettingsView::from(&settings)))
}

#[utoipa::path(patch, path = "/api/v1/alert-settings", tag = "alerts",
    security(("bearer" = [])),
    request_body = AlertSettingsPatch,
    responses(
        (status = 200, description = "The settings now in force", body = AlertSettingsView),
        (status = 400, description = "A field that cannot be used, named", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
    ))]
pub(crate) async fn edit(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    headers: HeaderMap,
    Json(patch): Json<AlertSettingsPatch>,
) -> Result<Json<AlertSettingsView>, ApiError> {
    let before = current(&state, &in_org).await?;
    let mut after = before.clone();
    if let Some(threshold) = patch.queued_threshold {
        after.rules.queued_threshold = threshold;
    }
    if let Some(age) = &patch.queued_age {
        after.rules.queued_age = duration("queued_age", age)?;
    }
    if let Some(age) = &patch.oldest_age {
        after.rules.oldest_age = duration("oldest_age", age)?;
    }
    if let Some(url) = patch.webhook_url {
        after.webhook_url = url.map(|u| u.trim().to_string());
    }
    if let Some(secret) = patch.webhook_secret {
        after.webhook_secret = secret;
    }
    if let Some(emails) = patch.admin_emails {
        after.admin_emails = emails
            .iter()
            .map(|a| a.trim().to_ascii_lowercase())
            .collect();
    }
    if let Some(cap) = patch.daily_cap {
        after.daily_cap = cap;
    }
    if let Some(quota) = patch.invalid_recipient_quota {
        after.invalid_recipient_quota = quota;
    }
    save(
        &state,
        &in_org,
        &headers,
        "alert-settings-edit",
        "alerts",
        before,
        after,
    )
    .await
}

#[utoipa::path(put, path = "/api/v1/alert-settings/connectors/{name}", tag = "alerts",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "A connector's name")),
    request_body = ConnectorAlertRules,
    responses(
        (status = 200, description = "The settings now in force", body = AlertSettingsView),
        (status = 400, description = "A field that cannot be used, named", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
    ))]
pub(crate) async fn set_connector(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
    headers: HeaderMap,
    Json(rules): Json<ConnectorAlertRules>,
) -> Result<Json<AlertSettingsView>, ApiError> {
    let before = current(&state, &in_org).await?;
    let mut after = before.clone();
    let own = AlertRuleOverrides {
        queued_threshold: rules.queued_threshold,
        queued_age: rules
            .queued_age
            .as_deref()
            .map(|age| duration("queued_age", age))
            .transpose()?,
        oldest_age: rules
            .oldest_age
            .as_deref()
            .map(|age| duration("oldest_age", age))
            .transpose()?,
    };
    after.connectors.insert(name.clone(), own);
    save(
        &state,
        &in_org,
        &headers,
        "alert-rules-set",
        &name,
        before,
        after,
    )
    .await
}

#[utoipa::path(delete, path = "/api/v1/alert-settings/connectors/{name}", tag = "alerts",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "A connector's name")),
    responses(
        (status = 200, description = "The settings now in force: the connector follows the organisation's thresholds", body = AlertSettingsView),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "The connector has no thresholds of its own", body = crate::ErrorBody),
    ))]
pub(crate) async fn clear_connector(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Json<AlertSettingsView>, ApiError> {
    let before = current(&state, &in_org).await?;
    let mut after = before.clone();
    if after.connectors.remove(&name).is_none() {
        return Err(ApiError::NotFound {
            what: "connector with alert thresholds of its own",
            id: name,
        });
    }
    save(
        &state,
        &in_org,
        &headers,
        "alert-rules-clear",
        &name,
        before,
        after,
    )
    .await
}

async fn current(state: &AdminState, in_org: &OrgScope) -> Result<AlertSettings, ApiError> {
    Ok(state
        .store
        .alert_settings(&in_org.name)
        .await?
        .unwrap_or_default())
}

/// Checks `after`, saves it and audits the change (the secret redacted).
async fn save(
    state: &AdminState,
    in_org: &OrgScope,
    headers: &HeaderMap,
    action: &str,
    target: &str,
    before: AlertSettings,
    after: AlertSettings,
) -> Result<Json<AlertSettingsView>, ApiError> {
    let org = in_org.name.clone();
    let settings = state.store.org_settings(&org).await?.unwrap_or_default();
    check_alert_settings(&after, |name| settings.connector(name).is_some()).map_err(bad_field)?;
    state.store.save_alert_settings(&org, &after).await?;
    let view = AlertSettingsView::from(&after);
    let json = |settings: &AlertSettings| {
        serde_json::to_value(AlertSettingsView::from(settings)).expect("a view serializes")
    };
    audit_log::record(
        state,
        Some(org),
        actor(headers),
        action,
        target,
        json(&before),
        json(&after),
    )
    .await?;
    Ok(Json(view))
}

fn bad_field(problem: AlertSettingsProblem) -> ApiError {
    ApiError::Invalid {
        field: problem.field,
        message: problem.message,
    }
}

fn duration(field: &'static str, text: &str) -> Result<Duration, ApiError> {
    match humantime::parse_duration(text.trim()) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        Ok(_) => Err(ApiError::BadField {
            field,
            message: "must be longer than 0".to_string(),
        }),
        Err(error) => Err(ApiError::BadField {
            field,
            message: format!("{text:?} is not a duration ({error}); write e.g. 90m or 4h"),
        }),
    }
}

fn human(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

/// A field that may be absent (leave it), `null` (clear it) or a value.
mod clearable {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}
