//! Alerts: open and recent ones, acknowledging one, and the alert rules of
//! the organisation and of each connector.

use crate::api::{Sent, encode};
use crate::page::{PageBase, Section, render};
use crate::posted::{NoFields, Posted};
use crate::signed::Signed;
use askama::Template;
use axum::extract::Path;
use axum::http::Method;
use axum::response::Response;
use mailflow_admin::{AlertSettingsView, AlertView, ConnectorView};
use serde::Deserialize;
use serde_json::json;

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    page: PageBase,
    open: Vec<AlertView>,
    recent: Vec<AlertView>,
    rules: AlertSettingsView,
    /// Each connector with its own rules, if it has any.
    connectors: Vec<ConnectorRules>,
    admin_emails: String,
}

struct ConnectorRules {
    name: String,
    queued_threshold: String,
    queued_age: String,
    oldest_age: String,
}

/// Resolved alerts the page shows.
const RECENT: usize = 50;

pub(crate) async fn list(signed: Signed) -> Result<Response, Response> {
    let lang = signed.lang();
    let api = &signed.api;
    let open: Vec<AlertView> = api
        .get(&format!("/api/v1/alerts?state=open&lang={lang}"))
        .await
        .map_err(|e| signed.failed(e))?;
    let recent: Vec<AlertView> = api
        .get(&format!(
            "/api/v1/alerts?state=resolved&limit={RECENT}&lang={lang}"
        ))
        .await
        .map_err(|e| signed.failed(e))?;
    let rules: AlertSettingsView = api
        .get("/api/v1/alert-settings")
        .await
        .map_err(|e| signed.failed(e))?;
    let names: Vec<ConnectorView> = api
        .get("/api/v1/connectors")
        .await
        .map_err(|e| signed.failed(e))?;
    let connectors = names
        .into_iter()
        .map(|connector| {
            let own = rules.connectors.get(&connector.name);
            let text = |v: Option<String>| v.unwrap_or_default();
            ConnectorRules {
                queued_threshold: text(own.and_then(|r| r.queued_threshold.map(|n| n.to_string()))),
                queued_age: text(own.and_then(|r| r.queued_age.clone())),
                oldest_age: text(own.and_then(|r| r.oldest_age.clone())),
                name: connector.name,
            }
        })
        .collect();
    Ok(render(&AlertsPage {
        page: signed.page(Section::Alerts),
        open,
        recent,
        admin_emails: rules.admin_emails.join("\n"),
        rules,
        connectors,
    }))
}

pub(crate) async fn acknowledge(Path(id): Path<i64>, posted: Posted<NoFields>) -> Response {
    let signed = &posted.signed;
    let t = signed.page(Section::None).t;
    let done = signed
        .api
        .post::<serde_json::Value>(&format!("/api/v1/alerts/{id}/ack"), Sent::Nothing)
        .await
        .map(|_| t.acknowledged.to_string());
    signed.done("/alerts", done)
}

#[derive(Debug, Deserialize)]
pub(crate) struct RulesForm {
    queued_threshold: String,
    queued_age: String,
    oldest_age: String,
    #[serde(default)]
    admin_emails: String,
    daily_cap: String,
}

/// A number as JSON, or the text as written so the API names the field.
fn number(text: &str) -> serde_json::Value {
    text.trim()
        .parse::<u64>()
        .map(serde_json::Value::from)
        .unwrap_or_else(|_| text.into())
}

pub(crate) async fn save_rules(posted: Posted<RulesForm>) -> Response {
    let signed = &posted.signed;
    let form = &posted.form;
    let emails: Vec<&str> = form
        .admin_emails
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|e| !e.is_empty())
        .collect();
    let patch = json!({
        "queued_threshold": number(&form.queued_threshold),
        "queued_age": form.queued_age.trim(),
        "oldest_age": form.oldest_age.trim(),
        "admin_emails": emails,
        "daily_cap": number(&form.daily_cap),
    });
    let t = signed.page(Section::None).t;
    let done = signed
        .api
        .call::<serde_json::Value>(Method::PATCH, "/api/v1/alert-settings", Sent::Json(patch))
        .await
        .map(|_| t.saved.to_string());
    signed.done("/alerts#rules", done)
}

#[derive(Debug, Deserialize)]
pub(crate) struct ConnectorRulesForm {
    #[serde(default)]
    queued_threshold: String,
    #[serde(default)]
    queued_age: String,
    #[serde(default)]
    oldest_age: String,
}

/// A connector's own rules; all fields empty clears them, so the
/// organisation's apply.
pub(crate) async fn save_connector_rules(
    Path(connector): Path<String>,
    posted: Posted<ConnectorRulesForm>,
) -> Response {
    let signed = &posted.signed;
    let form = &posted.form;
    let path = format!("/api/v1/alert-settings/connectors/{}", encode(&connector));
    let given = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
    let (threshold, age, oldest) = (
        given(&form.queued_threshold),
        given(&form.queued_age),
        given(&form.oldest_age),
    );
    let t = signed.page(Section::None).t;
    let outcome = if threshold.is_none() && age.is_none() && oldest.is_none() {
        signed
            .api
            .call::<serde_json::Value>(Method::DELETE, &path, Sent::Nothing)
            .await
    } else {
        let rules = json!({
            "queued_threshold": threshold.as_deref().map(number),
            "queued_age": age,
            "oldest_age": oldest,
        });
        signed
            .api
            .call::<serde_json::Value>(Method::PUT, &path, Sent::Json(rules))
            .await
    };
    signed.done("/alerts#rules", outcome.map(|_| t.saved.to_string()))
}
