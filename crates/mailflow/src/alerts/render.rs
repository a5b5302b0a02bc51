//! Text for people: one line per alert, and the acknowledgement.

use mailflow_admin::AlertView;
use mailflow_core::time_format::text_from_json;
use serde::Serialize;
use std::fmt::Write;

pub fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("API values serialize to JSON")
}

pub fn table(alerts: &[AlertView], state: &str) -> String {
    if alerts.is_empty() {
        return format!("No {state} alerts.");
    }
    let mut out = format!(
        "{:<6} {:<9} {:<20} {:<9} {:>7} {:>7}  {:<20} {}\n",
        "ID", "STATE", "CONNECTOR", "CODE", "QUEUED", "OLD", "OPENED", "ACKNOWLEDGED"
    );
    for alert in alerts {
        let connector = alert.connector.as_deref().unwrap_or("(mx)");
        let acked = alert.acknowledged_by.as_deref().unwrap_or("-");
        let _ = writeln!(
            out,
            "{:<6} {:<9} {:<20} {:<9} {:>7} {:>7}  {:<20} {}",
            alert.id,
            alert.state,
            connector,
            alert.code,
            alert.queued,
            alert.queued_over_age,
            text_from_json(&alert.opened_at),
            acked
        );
        if let Some(detail) = &alert.detail {
            let _ = writeln!(out, "       {detail}");
        }
    }
    out.trim_end().to_string()
}

pub fn acknowledged(alert: &AlertView) -> String {
    format!(
        "alert {} ({} on {}) acknowledged by {}; it stays {} until the queue drains",
        alert.id,
        alert.code,
        alert.connector.as_deref().unwrap_or("(mx)"),
        alert.acknowledged_by.as_deref().unwrap_or("-"),
        alert.state
    )
}
