//! TLS for delivery: the trusted roots, and one client configuration per
//! connection whose certificate check follows the connector's TLS policy and
//! records what was wrong with the certificate, typed, for the diagnosis.

mod certificate;
mod negotiated;
mod verifier;

pub use negotiated::NegotiatedTls;
pub(crate) use verifier::{CertFinding, FindingSlot};

use mailflow_core::TlsPolicy;
use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::TlsConnector;
use verifier::{Enforcement, RecordingVerifier};

/// The trusted CA file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("trusted_ca_file {path}: {reason}")]
pub struct TrustedCaError {
    pub path: PathBuf,
    pub reason: String,
}

/// What every delivery TLS connection shares: the ring provider and the
/// roots (system roots plus `trusted_ca_file`).
#[derive(Debug, Clone)]
pub(crate) struct TlsSetup {
    provider: Arc<CryptoProvider>,
    webpki: Option<Arc<WebPkiServerVerifier>>,
}

impl TlsSetup {
    pub(crate) fn new(trusted_ca_file: Option<&Path>) -> Result<TlsSetup, TrustedCaError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = system_roots();
        if let Some(path) = trusted_ca_file {
            for certificate in read_ca_file(path)? {
                roots.add(certificate).map_err(|error| TrustedCaError {
                    path: path.to_path_buf(),
                    reason: format!("a certificate cannot be used as a trust anchor: {error}"),
                })?;
            }
        }
        // No roots at all: nothing chains, every certificate is untrusted.
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .ok();
        Ok(TlsSetup { provider, webpki })
    }

    /// A connector for one connection; what the certificate check finds is
    /// left in `slot`.
    pub(crate) fn connector(&self, policy: TlsPolicy, slot: FindingSlot) -> TlsConnector {
        let enforcement = match policy {
            TlsPolicy::Opportunistic | TlsPolicy::Required => Enforcement::AcceptAny,
            TlsPolicy::VerifyCa => Enforcement::Chain,
            TlsPolicy::VerifyName => Enforcement::ChainAndName,
        };
        let verifier = RecordingVerifier::new(
            self.provider.clone(),
            self.webpki.clone(),
            enforcement,
            slot,
        );
        let config = rustls::ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default protocol versions")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        TlsConnector::from(Arc::new(config))
    }
}

fn system_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::warn!(%error, "a system root certificate could not be loaded");
    }
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    tracing::debug!(added, ignored, "system root certificates loaded");
    roots
}

fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TrustedCaError> {
    let failed = |reason: String| TrustedCaError {
        path: path.to_path_buf(),
        reason,
    };
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|error| failed(format!("cannot be read: {error}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| failed(format!("is not valid PEM: {error}")))?;
    if certificates.is_empty() {
        return Err(failed("holds no CERTIFICATE block".to_string()));
    }
    Ok(certificates)
}
