//! `mailflow connector validate NAME`: runs the live check of a connector
//! through the API and prints, per address, how far it got and why it
//! stopped — the same diagnosis a delivery attempt would give.

use crate::queue::{ApiClient, ClientError};
use mailflow_core::{AddressResult, Diagnosis};
use serde::Deserialize;
use std::fmt::Write;

#[derive(Debug, Deserialize)]
struct Report {
    addresses: Vec<AddressResult>,
    diagnosis: Option<Diagnosis>,
    #[serde(default)]
    tls: Vec<serde_json::Value>,
}

pub async fn run(
    client: &ApiClient,
    path: &str,
    actor: &str,
    json: bool,
) -> Result<String, ClientError> {
    let value: serde_json::Value = client.post_json(path, actor).await?;
    if json {
        return Ok(serde_json::to_string_pretty(&value).expect("JSON from the API prints"));
    }
    let report: Report = serde_json::from_value(value)
        .map_err(|error| ClientError::Unexpected(error.to_string()))?;
    Ok(render(&report))
}

fn render(report: &Report) -> String {
    let mut out = String::new();
    for result in &report.addresses {
        let addr = result
            .addr
            .map_or_else(|| "-".to_string(), |a| a.to_string());
        let outcome = match &result.diagnosis {
            None => "ok".to_string(),
            Some(diagnosis) => format!(
                "{} {}: {}",
                diagnosis.code(),
                diagnosis.category(),
                diagnosis.detail()
            ),
        };
        let _ = writeln!(
            out,
            "{:<28} {:<24} {:<9} {outcome}",
            result.host,
            addr,
            result.stage.as_str()
        );
    }
    for tls in &report.tls {
        let protocol = tls.pointer("/negotiated/protocol").and_then(|v| v.as_str());
        let host = tls.get("addr").and_then(|v| v.as_str()).unwrap_or("?");
        let _ = writeln!(out, "TLS at {host}: {}", protocol.unwrap_or("not offered"));
    }
    match &report.diagnosis {
        None => out.push_str("verdict: the connector works (at least one address passed)"),
        Some(diagnosis) => {
            let _ = write!(out, "verdict: {}", diagnosis.reply());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::Stage;

    #[test]
    fn a_failed_address_shows_its_code_and_the_verdict_is_the_furthest_diagnosis() {
        let refused = Diagnosis::ConnectionRefused {
            addr: "127.0.0.1:2526".parse().unwrap(),
        };
        let report = Report {
            addresses: vec![AddressResult {
                host: "127.0.0.1".into(),
                addr: Some("127.0.0.1:2526".parse().unwrap()),
                stage: Stage::Connect,
                diagnosis: Some(refused.clone()),
                elapsed_ms: 1,
            }],
            diagnosis: Some(refused),
            tls: vec![],
        };
        let text = render(&report);
        assert!(text.contains("4.4.316 connection_refused"), "{text}");
        assert!(
            text.ends_with("verdict: 450 4.4.316 connection refused by 127.0.0.1:2526"),
            "{text}"
        );
    }
}
