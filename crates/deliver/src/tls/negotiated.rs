//! What a completed TLS handshake settled on — protocol version, cipher
//! suite, the server's certificate — and, when the policy accepted the
//! certificate anyway (opportunistic, required), what was wrong with it.
//! Connector validation reports it per address.

use super::certificate::summary;
use super::verifier::CertFinding;
use mailflow_core::{CertProblem, CertificateSummary};
use rustls::ClientConnection;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NegotiatedTls {
    /// e.g. `TLSv1_3`.
    pub protocol: String,
    /// e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
    /// The server's end-entity certificate, when it presented one.
    pub certificate: Option<CertificateSummary>,
    /// What the certificate check found wrong with a certificate the policy
    /// accepted anyway; `None` when nothing was wrong.
    pub certificate_problem: Option<CertProblem>,
}

impl NegotiatedTls {
    pub(crate) fn of(connection: &ClientConnection, finding: Option<CertFinding>) -> Self {
        let protocol = connection
            .protocol_version()
            .map(|version| {
                version
                    .as_str()
                    .map_or_else(|| format!("{version:?}"), str::to_string)
            })
            .unwrap_or_default();
        let cipher = connection
            .negotiated_cipher_suite()
            .map(|suite| {
                let suite = suite.suite();
                suite
                    .as_str()
                    .map_or_else(|| format!("{suite:?}"), str::to_string)
            })
            .unwrap_or_default();
        let certificate = connection
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|end_entity| summary(end_entity));
        NegotiatedTls {
            protocol,
            cipher,
            certificate,
            certificate_problem: finding.map(|finding| finding.problem),
        }
    }
}
