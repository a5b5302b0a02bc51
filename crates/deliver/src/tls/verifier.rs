//! The certificate check of every delivery connection.
//!
//! It always runs the real webpki verification, so that what was wrong with
//! a certificate is known even when the policy accepts it anyway
//! (opportunistic, required). The finding is kept typed in a slot the
//! connection reads after the handshake; nothing parses rustls messages.

use super::certificate::{presented_names, summary};
use mailflow_core::{CertProblem, CertificateSummary};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::sync::{Arc, Mutex};

/// What was wrong with the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CertFinding {
    pub problem: CertProblem,
    pub certificate: CertificateSummary,
}

/// Where the verifier leaves its finding for the connection to read.
pub(crate) type FindingSlot = Arc<Mutex<Option<CertFinding>>>;

/// How much of the verification decides the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Enforcement {
    /// Record problems, accept every certificate.
    AcceptAny,
    /// Chain to a trusted root and in date; the name is not checked.
    Chain,
    /// As `Chain`, and the certificate names the expected host.
    ChainAndName,
}

#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    provider: Arc<CryptoProvider>,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    enforcement: Enforcement,
    slot: FindingSlot,
}

impl RecordingVerifier {
    pub(crate) fn new(
        provider: Arc<CryptoProvider>,
        webpki: Option<Arc<WebPkiServerVerifier>>,
        enforcement: Enforcement,
        slot: FindingSlot,
    ) -> Self {
        RecordingVerifier {
            provider,
            webpki,
            enforcement,
            slot,
        }
    }

    fn webpki_verdict(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<(), Error> {
        let Some(webpki) = &self.webpki else {
            return Err(Error::InvalidCertificate(CertificateError::UnknownIssuer));
        };
        webpki
            .verify_server_cert(end_entity, intermediates, server_name, &[], now)
            .map(drop)
    }

    fn record(&self, problem: CertProblem, end_entity: &CertificateDer<'_>) {
        let finding = CertFinding {
            problem,
            certificate: summary(end_entity),
        };
        tracing::info!(problem = ?finding.problem, subject = %finding.certificate.subject, "server certificate problem");
        *self
            .slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(finding);
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let Err(error) = self.webpki_verdict(end_entity, intermediates, server_name, now) else {
            return Ok(ServerCertVerified::assertion());
        };
        let problem = problem_of(&error, end_entity, server_name);
        let name_only = matches!(problem, CertProblem::NameMismatch { .. });
        if name_only && self.enforcement == Enforcement::Chain {
            // webpki checks the chain before the name: the chain is good.
            return Ok(ServerCertVerified::assertion());
        }
        self.record(problem, end_entity);
        match self.enforcement {
            Enforcement::AcceptAny => Ok(ServerCertVerified::assertion()),
            Enforcement::Chain | Enforcement::ChainAndName => Err(error),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The typed problem behind a verification error.
fn problem_of(
    error: &Error,
    end_entity: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
) -> CertProblem {
    let Error::InvalidCertificate(error) = error else {
        return CertProblem::Other {
            message: error.to_string(),
        };
    };
    match error {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => CertProblem::Expired,
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            CertProblem::NotYetValid
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            CertProblem::NameMismatch {
                expected: server_name.to_str().into_owned(),
                presented: presented_names(end_entity),
            }
        }
        CertificateError::UnknownIssuer => CertProblem::UntrustedIssuer,
        CertificateError::Revoked => CertProblem::Revoked,
        CertificateError::BadSignature => CertProblem::BadSignature,
        other => CertProblem::Other {
            message: other.to_string(),
        },
    }
}
