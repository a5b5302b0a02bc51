//! `mailflow alerts`: a running node's alerts through its admin API — the
//! open ones by default (`--state resolved|all` for the rest) — and
//! `mailflow alerts ack ID` to record that someone is on it.

mod render;

use crate::cli::{AlertSettingsChange, AlertsArgs, AlertsCommand};
use crate::queue::{ApiClient, ClientError, cli_actor as actor};
use mailflow_admin::{AlertSettingsView, AlertView, ConnectorAlertRules};
use serde_json::{Map, Value, json};
use std::io::BufRead;

const SETTINGS: &str = "/api/v1/alert-settings";

/// Runs one `alerts` command and returns what to print.
pub async fn run(args: &AlertsArgs) -> Result<String, ClientError> {
    let client = ApiClient::new(&args.api)?;
    match &args.command {
        None => {
            let state = args.state.as_deref().unwrap_or("open");
            let alerts: Vec<AlertView> = client
                .get_json("/api/v1/alerts", &[("state", state)])
                .await?;
            Ok(if args.json {
                render::json(&alerts)
            } else {
                render::table(&alerts, state)
            })
        }
        Some(AlertsCommand::Settings) => {
            let settings: AlertSettingsView = client.get_json(SETTINGS, &[]).await?;
            Ok(settings_text(&settings, args.json))
        }
        Some(AlertsCommand::Set(change)) => {
            let patch = patch_of(change)?;
            let settings: AlertSettingsView = client
                .send_json(reqwest::Method::PATCH, SETTINGS, &actor(), Some(&patch))
                .await?;
            Ok(settings_text(&settings, args.json))
        }
        Some(AlertsCommand::Connector {
            name,
            queued_threshold,
            queued_age,
            oldest_age,
            clear,
        }) => {
            let path = format!("{SETTINGS}/connectors/{name}");
            let settings: AlertSettingsView = match clear {
                true => {
                    let method = reqwest::Method::DELETE;
                    client
                        .send_json(method, &path, &actor(), None::<&serde_json::Value>)
                        .await?
                }
                false => {
                    let own = ConnectorAlertRules {
                        queued_threshold: *queued_threshold,
                        queued_age: queued_age.clone(),
                        oldest_age: oldest_age.clone(),
                    };
                    client
                        .send_json(reqwest::Method::PUT, &path, &actor(), Some(&own))
                        .await?
                }
            };
            Ok(settings_text(&settings, args.json))
        }
        Some(AlertsCommand::Ack { id }) => {
            let path = format!("/api/v1/alerts/{id}/ack");
            let alert: AlertView = client.post_json(&path).await?;
            Ok(if args.json {
                render::json(&alert)
            } else {
                render::acknowledged(&alert)
            })
        }
    }
}

/// The JSON merge patch `alerts set` sends: only the fields given.
fn patch_of(change: &AlertSettingsChange) -> Result<Value, ClientError> {
    let mut patch = Map::new();
    let mut put = |key: &str, value: Value| {
        patch.insert(key.to_string(), value);
    };
    if let Some(threshold) = change.queued_threshold {
        put("queued_threshold", json!(threshold));
    }
    if let Some(age) = &change.queued_age {
        put("queued_age", json!(age));
    }
    if let Some(age) = &change.oldest_age {
        put("oldest_age", json!(age));
    }
    if let Some(url) = &change.webhook_url {
        put(
            "webhook_url",
            if url.is_empty() {
                Value::Null
            } else {
                json!(url)
            },
        );
    }
    if change.webhook_secret_stdin {
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        let secret = line.trim_end_matches(['\r', '\n']);
        if read.is_err() || secret.is_empty() {
            return Err(ClientError::Unexpected(
                "no webhook secret on standard input".to_string(),
            ));
        }
        put("webhook_secret", json!(secret));
    }
    if !change.admin_emails.is_empty() {
        put("admin_emails", json!(change.admin_emails));
    }
    if let Some(cap) = change.daily_cap {
        put("daily_cap", json!(cap));
    }
    if let Some(quota) = change.invalid_recipient_quota {
        put(
            "invalid_recipient_quota",
            if quota == 0 {
                Value::Null
            } else {
                json!(quota)
            },
        );
    }
    Ok(Value::Object(patch))
}

fn settings_text(settings: &AlertSettingsView, json: bool) -> String {
    if json {
        return render::json(settings);
    }
    let mut lines = vec![
        format!(
            "rule (a):     {} recipients queued longer than {}",
            settings.queued_threshold, settings.queued_age
        ),
        format!(
            "rule (b):     the oldest queued message older than {}",
            settings.oldest_age
        ),
        format!(
            "webhook:      {}{}",
            settings.webhook_url.as_deref().unwrap_or("none"),
            if settings.webhook_secret_set {
                " (signed)"
            } else {
                ""
            }
        ),
        format!(
            "e-mail:       {}",
            match settings.admin_emails.is_empty() {
                true => "none".to_string(),
                false => settings.admin_emails.join(", "),
            }
        ),
        format!("daily cap:    {} notifications", settings.daily_cap),
        format!(
            "unknown-recipient quota: {}",
            settings
                .invalid_recipient_quota
                .map_or_else(|| "none".to_string(), |q| format!("{q} per hour"))
        ),
    ];
    for (name, own) in &settings.connectors {
        let mut parts = Vec::new();
        if let Some(threshold) = own.queued_threshold {
            parts.push(format!("{threshold} recipients"));
        }
        if let Some(age) = &own.queued_age {
            parts.push(format!("queued longer than {age}"));
        }
        if let Some(age) = &own.oldest_age {
            parts.push(format!("oldest older than {age}"));
        }
        lines.push(format!("connector {name}: {}", parts.join(", ")));
    }
    lines.join("\n")
}
