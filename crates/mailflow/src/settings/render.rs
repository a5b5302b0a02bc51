//! Text for people: connectors, domains and a directory import's counts.

use crate::text_table::aligned;
use mailflow_admin::{ConnectorView, DirectoryImport, DomainView};
use mailflow_core::org_diff::tls_text;
use serde::Serialize;
use std::fmt::Write;

pub fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("API values serialize to JSON")
}

fn word<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

fn next_hop(connector: &ConnectorView) -> String {
    if connector.smart_hosts.is_empty() {
        "MX".into()
    } else {
        connector.smart_hosts.join(", ")
    }
}

pub fn connectors(list: &[ConnectorView]) -> String {
    if list.is_empty() {
        return "No connectors: mail goes by MX. Add one with `mailflow connector add`.".into();
    }
    let mut rows = vec![[
        "NAME".to_string(),
        "KIND".into(),
        "ENABLED".into(),
        "DOMAINS".into(),
        "NEXT HOP".into(),
        "TLS".into(),
    ]];
    for c in list {
        rows.push([
            c.name.clone(),
            word(&c.kind),
            if c.enabled { "yes" } else { "no" }.into(),
            c.recipient_domains.join(", "),
            next_hop(c),
            tls_text(c.tls).into(),
        ]);
    }
    aligned(&rows)
}

pub fn connector(c: &ConnectorView) -> String {
    let or_default = |value: &Option<String>, default: &str| {
        value.clone().unwrap_or_else(|| default.to_string())
    };
    let rows = [
        ["name:".to_string(), c.name.clone()],
        ["kind:".into(), word(&c.kind)],
        [
            "enabled:".into(),
            if c.enabled { "yes" } else { "no" }.into(),
        ],
        ["recipient domains:".into(), c.recipient_domains.join(", ")],
        ["smart hosts:".into(), next_hop(c)],
        ["tls:".into(), tls_text(c.tls).into()],
        [
            "tls name:".into(),
            or_default(&c.tls_name, "(the host's own)"),
        ],
        ["max connections:".into(), c.max_connections.to_string()],
        [
            "connect timeout:".into(),
            or_default(&c.connect_timeout, "(the node's)"),
        ],
        [
            "command timeout:".into(),
            or_default(&c.command_timeout, "(the node's)"),
        ],
    ];
    aligned(&rows)
}

pub fn domains(list: &[DomainView]) -> String {
    if list.is_empty() {
        return "No accepted domains. Add one with `mailflow domain add`.".into();
    }
    let mut rows = vec![["DOMAIN".to_string(), "TYPE".into()]];
    for domain in list {
        rows.push([domain.name.clone(), word(&domain.kind)]);
    }
    aligned(&rows)
}

pub fn import(import: &DirectoryImport) -> String {
    let mut out = format!(
        "Added {}, unchanged {}, refused {}.",
        import.added,
        import.unchanged,
        import.refused.len()
    );
    for line in &import.refused {
        let _ = write!(out, "\n  line {}: {}", line.line, line.reason);
    }
    out
}
