//! `mailflow connector validate NAME`: runs the live check of a connector
//! through the API and prints, per address, how far it got and why it
//! stopped — the same diagnosis a delivery attempt would give (code,
//! category, detail, reply, server) — then the verdict. A failed verdict
//! makes the command exit non-zero, with `--json` too.

use crate::queue::{ApiClient, ClientError};
use mailflow_admin::{DiagnosisView, ValidationView};
use std::fmt::Write;

/// What to print, and whether the connector passed.
pub struct Checked {
    pub text: String,
    pub passed: bool,
}

pub async fn run(client: &ApiClient, path: &str, json: bool) -> Result<Checked, ClientError> {
    let report: ValidationView = client.post_json(path).await?;
    let text = if json {
        serde_json::to_string_pretty(&report).expect("JSON from the API prints")
    } else {
        render(&report)
    };
    Ok(Checked {
        text,
        passed: report.passed,
    })
}

fn render(report: &ValidationView) -> String {
    let mut out = String::new();
    for address in &report.addresses {
        let addr = address.address.as_deref().unwrap_or("-");
        let outcome = match &address.diagnosis {
            None => "ok".to_string(),
            Some(diagnosis) => format!("{} {}", diagnosis.code, diagnosis.category),
        };
        let _ = writeln!(
            out,
            "{:<28} {:<24} {:<9} {outcome}",
            address.host, addr, address.stage
        );
        if let Some(diagnosis) = &address.diagnosis {
            let _ = writeln!(out, "  detail  {}", diagnosis.detail);
        }
    }
    for tls in &report.tls {
        let protocol = tls.pointer("/negotiated/protocol").and_then(|v| v.as_str());
        let host = tls.get("addr").and_then(|v| v.as_str()).unwrap_or("?");
        let _ = writeln!(out, "TLS at {host}: {}", protocol.unwrap_or("not offered"));
    }
    match &report.diagnosis {
        None => out.push_str("verdict: the connector works (at least one address passed)"),
        Some(diagnosis) => verdict(&mut out, diagnosis),
    }
    out
}

fn verdict(out: &mut String, diagnosis: &DiagnosisView) {
    let _ = writeln!(out, "verdict: {}", diagnosis.reply);
    let _ = writeln!(out, "  code      {}", diagnosis.code);
    let _ = writeln!(out, "  category  {}", diagnosis.category);
    let _ = writeln!(out, "  detail    {}", diagnosis.detail);
    let _ = write!(
        out,
        "  server    {}",
        diagnosis.server.as_deref().unwrap_or("-")
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_admin::ValidatedAddressView;

    #[test]
    fn a_failed_address_shows_its_code_and_the_verdict_the_whole_diagnosis() {
        let refused = DiagnosisView {
            code: "4.4.316".into(),
            category: "connection_refused".into(),
            detail: "connection refused by 127.0.0.1:2526".into(),
            reply: "450 4.4.316 connection refused by 127.0.0.1:2526".into(),
            server: Some("127.0.0.1:2526".into()),
        };
        let report = ValidationView {
            passed: false,
            addresses: vec![ValidatedAddressView {
                host: "127.0.0.1".into(),
                address: Some("127.0.0.1:2526".into()),
                stage: "connect".into(),
                diagnosis: Some(refused.clone()),
                elapsed_ms: 1,
            }],
            diagnosis: Some(refused),
            tls: vec![],
        };
        let text = render(&report);
        assert!(text.contains("4.4.316 connection_refused"), "{text}");
        assert!(
            text.contains("verdict: 450 4.4.316 connection refused by 127.0.0.1:2526"),
            "{text}"
        );
        assert!(text.ends_with("  server    127.0.0.1:2526"), "{text}");
    }
}
