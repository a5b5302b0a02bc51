//! The JSON shape of a connector validation: per address how far the
//! session got and, where it stopped, the diagnosis in the same fields a
//! delivery attempt's last error has (code, category, detail, reply,
//! server); then the verdict.

use mailflow_core::{AddressResult, Diagnosis};
use mailflow_relay::ValidationReport;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ValidationView {
    /// `true` when at least one address passed: mail would go through.
    pub passed: bool,
    /// Each address tried (or host that did not resolve), in order.
    pub addresses: Vec<ValidatedAddressView>,
    /// The verdict a delivery attempt would record when no address passed
    /// (the address that got furthest); `null` when one passed.
    pub diagnosis: Option<DiagnosisView>,
    /// What TLS looked like at each address that passed: `host`, `addr`,
    /// `starttls_offered`, and `negotiated` (`protocol`, `cipher`,
    /// `certificate`, `certificate_problem`) or `null` for plaintext.
    #[schema(value_type = Vec<Object>)]
    pub tls: Vec<serde_json::Value>,
}

/// How far the session got at one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ValidatedAddressView {
    pub host: String,
    /// `ip:port`; `null` when the name did not resolve.
    pub address: Option<String>,
    /// `dns`, `connect`, `greeting`, `ehlo` or `starttls`.
    pub stage: String,
    /// `null` when this address passed.
    pub diagnosis: Option<DiagnosisView>,
    pub elapsed_ms: u64,
}

/// A diagnosis as the queue shows a last error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DiagnosisView {
    /// The enhanced status code, e.g. `4.4.316`.
    pub code: String,
    /// e.g. `connection_refused`.
    pub category: String,
    pub detail: String,
    /// The whole reply line, e.g. `450 4.4.316 connection refused by 127.0.0.1:25`.
    pub reply: String,
    /// The server it came from (`ip:port`, or a name that did not resolve).
    pub server: Option<String>,
}

impl DiagnosisView {
    pub fn new(diagnosis: &Diagnosis, server: Option<String>) -> Self {
        DiagnosisView {
            code: diagnosis.code().to_string(),
            category: diagnosis.category().as_str().to_string(),
            detail: diagnosis.detail(),
            reply: diagnosis.reply(),
            server,
        }
    }
}

impl From<&ValidationReport> for ValidationView {
    fn from(report: &ValidationReport) -> Self {
        ValidationView {
            passed: report.diagnosis.is_none(),
            addresses: report
                .addresses
                .iter()
                .map(ValidatedAddressView::from)
                .collect(),
            diagnosis: report
                .diagnosis
                .as_ref()
                .map(|diagnosis| DiagnosisView::new(diagnosis, report.server.clone())),
            tls: report
                .tls
                .iter()
                .map(|tls| serde_json::to_value(tls).expect("TLS observations are plain data"))
                .collect(),
        }
    }
}

impl From<&AddressResult> for ValidatedAddressView {
    fn from(result: &AddressResult) -> Self {
        let server = result
            .addr
            .map_or_else(|| result.host.clone(), |addr| addr.to_string());
        ValidatedAddressView {
            host: result.host.clone(),
            address: result.addr.map(|addr| addr.to_string()),
            stage: result.stage.as_str().to_string(),
            diagnosis: result
                .diagnosis
                .as_ref()
                .map(|diagnosis| DiagnosisView::new(diagnosis, Some(server))),
            elapsed_ms: result.elapsed_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::Stage;

    #[test]
    fn a_refused_address_carries_the_whole_diagnosis() {
        let addr = "127.0.0.1:2526".parse().unwrap();
        let refused = Diagnosis::ConnectionRefused { addr };
        let report = ValidationReport {
            addresses: vec![AddressResult {
                host: "127.0.0.1".into(),
                addr: Some(addr),
                stage: Stage::Connect,
                diagnosis: Some(refused.clone()),
                elapsed_ms: 1,
            }],
            diagnosis: Some(refused),
            server: Some("127.0.0.1:2526".into()),
            tls: vec![],
        };
        let view = serde_json::to_value(ValidationView::from(&report)).unwrap();
        let expected = serde_json::json!({
            "code": "4.4.316",
            "category": "connection_refused",
            "detail": "connection refused by 127.0.0.1:2526",
            "reply": "450 4.4.316 connection refused by 127.0.0.1:2526",
            "server": "127.0.0.1:2526",
        });
        assert_eq!(view["passed"], false);
        assert_eq!(view["diagnosis"], expected);
        assert_eq!(view["addresses"][0]["diagnosis"], expected);
        assert_eq!(view["addresses"][0]["stage"], "connect");
        assert_eq!(view["addresses"][0]["address"], "127.0.0.1:2526");
    }
}
