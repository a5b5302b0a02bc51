//! A connector's page: its insight in full (causes, what to do, the last
//! error with its server and evidence), its history, its settings with an
//! edit form, and *Validate*: the live check, stage by stage.

use crate::api::{Sent, encode};
use crate::charts::{self, Chart};
use crate::dashboard::{Card, card};
use crate::page::{PageBase, Section, render};
use crate::posted::{NoFields, Posted};
use crate::signed::Signed;
use askama::Template;
use axum::extract::Path;
use axum::http::Method;
use axum::response::Response;
use mailflow_admin::{ConnectorView, ValidationView};
use mailflow_insight::ConnectorInsight;
use serde::Deserialize;
use serde_json::json;

#[derive(Template)]
#[template(path = "connector.html")]
struct ConnectorPage {
    page: PageBase,
    card: Card,
    /// `None` for MX routing, which has no settings.
    settings: Option<Settings>,
    depth: Chart,
    failures: Chart,
    validation: Option<Validation>,
}

/// The settings as the edit form shows them.
struct Settings {
    view: ConnectorView,
    kind: &'static str,
    tls: &'static str,
    domains: String,
    smart_hosts: String,
}

/// A validation as the page shows it: per address, each stage.
pub(crate) struct Validation {
    pub passed: bool,
    pub addresses: Vec<AddressStages>,
}

pub(crate) struct AddressStages {
    pub host: String,
    pub address: Option<String>,
    pub elapsed_ms: u64,
    pub stages: Vec<Stage>,
}

pub(crate) struct Stage {
    pub name: &'static str,
    /// `passed`, `failed` or `not_reached`.
    pub outcome: &'static str,
    pub seen: String,
}

pub(crate) async fn show(signed: Signed, Path(name): Path<String>) -> Result<Response, Response> {
    page(&signed, &name, None).await
}

async fn page(
    signed: &Signed,
    name: &str,
    validation: Option<Validation>,
) -> Result<Response, Response> {
    let page = signed.page(Section::Dashboard);
    let path = format!("/api/v1/insights/{}?lang={}", encode(name), signed.lang());
    let insight: ConnectorInsight = signed.api.get(&path).await.map_err(|e| signed.failed(e))?;
    let settings = if insight.connector.is_some() {
        let path = format!("/api/v1/connectors/{}", encode(name));
        let view: ConnectorView = signed.api.get(&path).await.map_err(|e| signed.failed(e))?;
        Some(Settings::of(view))
    } else {
        None
    };
    let history = vec![(name.to_string(), insight.history.clone())];
    Ok(render(&ConnectorPage {
        depth: charts::queue_depth(&history),
        failures: charts::failures_by_code(&history),
        card: card(insight, &page),
        page,
        settings,
        validation,
    }))
}

impl Settings {
    fn of(view: ConnectorView) -> Settings {
        Settings {
            kind: wire_name(&view.kind),
            tls: wire_name(&view.tls),
            domains: view.recipient_domains.join("\n"),
            smart_hosts: view.smart_hosts.join("\n"),
            view,
        }
    }
}

/// An enum's name as the API writes it (`on_premises`, `verify_ca`).
fn wire_name<T: serde::Serialize>(value: &T) -> &'static str {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => match name.as_str() {
            "on_premises" => "on_premises",
            "partner" => "partner",
            "opportunistic" => "opportunistic",
            "required" => "required",
            "verify_ca" => "verify_ca",
            "verify_name" => "verify_name",
            _ => "",
        },
        _ => "",
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct EditForm {
    kind: String,
    #[serde(default)]
    recipient_domains: String,
    #[serde(default)]
    smart_hosts: String,
    tls: String,
    #[serde(default)]
    tls_name: String,
    #[serde(default)]
    enabled: Option<String>,
    max_connections: String,
    #[serde(default)]
    connect_timeout: String,
    #[serde(default)]
    command_timeout: String,
}

/// Words separated by spaces, commas or lines.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect()
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|text| !text.is_empty())
}

/// The form as the API's `PUT /connectors/{name}` takes it; the API
/// checks every field and names the one that is wrong. A number that is
/// not one is sent as written, so the API names it too.
fn edited(form: &EditForm) -> serde_json::Value {
    let max_connections = form
        .max_connections
        .trim()
        .parse::<u64>()
        .map(serde_json::Value::from)
        .unwrap_or_else(|_| form.max_connections.clone().into());
    json!({
        "kind": form.kind,
        "recipient_domains": words(&form.recipient_domains),
        "smart_hosts": words(&form.smart_hosts),
        "tls": form.tls,
        "tls_name": optional(&form.tls_name),
        "enabled": form.enabled.is_some(),
        "max_connections": max_connections,
        "connect_timeout": optional(&form.connect_timeout),
        "command_timeout": optional(&form.command_timeout),
    })
}

pub(crate) async fn edit(Path(name): Path<String>, posted: Posted<EditForm>) -> Response {
    let signed = &posted.signed;
    let path = format!("/api/v1/connectors/{}", encode(&name));
    let saved = signed
        .api
        .call::<ConnectorView>(Method::PUT, &path, Sent::Json(edited(&posted.form)))
        .await
        .map(|_| signed.page(Section::None).t.saved.to_string());
    signed.done(&format!("/connectors/{}", encode(&name)), saved)
}

#[derive(Debug, Deserialize)]
pub(crate) struct EnabledForm {
    enabled: String,
}

pub(crate) async fn set_enabled(Path(name): Path<String>, posted: Posted<EnabledForm>) -> Response {
    let signed = &posted.signed;
    let verb = if posted.form.enabled == "true" {
        "enable"
    } else {
        "disable"
    };
    let path = format!("/api/v1/connectors/{}/{verb}", encode(&name));
    let done = signed
        .api
        .post::<serde_json::Value>(&path, Sent::Nothing)
        .await
        .map(|_| signed.page(Section::None).t.saved.to_string());
    signed.done(&format!("/connectors/{}", encode(&name)), done)
}

pub(crate) async fn validate(
    Path(name): Path<String>,
    posted: Posted<NoFields>,
) -> Result<Response, Response> {
    let signed = &posted.signed;
    let path = format!("/api/v1/connectors/{}/validate", encode(&name));
    let report: ValidationView = signed
        .api
        .post(&path, Sent::Nothing)
        .await
        .map_err(|e| signed.failed(e))?;
    page(signed, &name, Some(Validation::of(&report))).await
}

/// The stages of a delivery session, in order.
const STAGES: [&str; 6] = [
    "dns",
    "connect",
    "greeting",
    "ehlo",
    "starttls",
    "certificate",
];

impl Validation {
    pub fn of(report: &ValidationView) -> Validation {
        let addresses = report
            .addresses
            .iter()
            .map(|address| {
                let tls = address.address.as_deref().and_then(|addr| {
                    report
                        .tls
                        .iter()
                        .find(|entry| entry["addr"].as_str() == Some(addr))
                });
                AddressStages {
                    host: address.host.clone(),
                    address: address.address.clone(),
                    elapsed_ms: address.elapsed_ms,
                    stages: stages(address, tls),
                }
            })
            .collect();
        Validation {
            passed: report.passed,
            addresses,
        }
    }
}

/// Each stage of one address: passed up to where the session stopped,
/// failed there (with the diagnosis), not reached after; for an address
/// that passed, what TLS and the certificate looked like.
fn stages(
    address: &mailflow_admin::ValidatedAddressView,
    tls: Option<&serde_json::Value>,
) -> Vec<Stage> {
    let stopped = STAGES.iter().position(|stage| *stage == address.stage);
    let certificate_failed = address
        .diagnosis
        .as_ref()
        .is_some_and(|d| d.category == "certificate_invalid");
    STAGES
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let (outcome, seen) = match (&address.diagnosis, stopped) {
                (Some(diagnosis), Some(at)) => {
                    let at = if certificate_failed { 5 } else { at };
                    match index.cmp(&at) {
                        std::cmp::Ordering::Less => ("passed", seen_before(name, address)),
                        std::cmp::Ordering::Equal => ("failed", diagnosis.reply.clone()),
                        std::cmp::Ordering::Greater => ("not_reached", String::new()),
                    }
                }
                _ => passed_stage(name, address, tls),
            };
            Stage {
                name,
                outcome,
                seen,
            }
        })
        .collect()
}

fn seen_before(stage: &str, address: &mailflow_admin::ValidatedAddressView) -> String {
    match stage {
        "dns" => address.address.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

fn passed_stage(
    stage: &'static str,
    address: &mailflow_admin::ValidatedAddressView,
    tls: Option<&serde_json::Value>,
) -> (&'static str, String) {
    let negotiated = tls.map(|tls| &tls["negotiated"]).filter(|n| !n.is_null());
    match stage {
        "dns" => ("passed", address.address.clone().unwrap_or_default()),
        "starttls" => match negotiated {
            Some(n) => (
                "passed",
                format!(
                    "{} {}",
                    n["protocol"].as_str().unwrap_or(""),
                    n["cipher"].as_str().unwrap_or("")
                ),
            ),
            None => ("not_reached", String::new()),
        },
        "certificate" => match negotiated {
            Some(n) => match n["certificate_problem"].as_str() {
                Some(problem) => ("failed", problem.to_string()),
                None => ("passed", n["certificate"].to_string()),
            },
            None => ("not_reached", String::new()),
        },
        _ => ("passed", String::new()),
    }
}
