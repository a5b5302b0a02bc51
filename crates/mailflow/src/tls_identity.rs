//! The certificate the SMTP listener offers with STARTTLS: the PEM files
//! named by `[server] tls_cert_file` / `tls_key_file`, or, when the config
//! names none, a self-signed certificate for the hostname that is generated
//! once into the data directory (`tls-cert.pem`, `tls-key.pem`, the key
//! readable by its owner only) and reused on every later start.

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const GENERATED_CERT_FILE: &str = "tls-cert.pem";
pub const GENERATED_KEY_FILE: &str = "tls-key.pem";

#[derive(Debug, thiserror::Error)]
pub enum TlsIdentityError {
    #[error("cannot read {path}: {source}", path = path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}", path = path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} holds no PEM certificate", path = path.display())]
    NoCertificate { path: PathBuf },
    #[error("{path} holds no PEM private key: {source}", path = path.display())]
    NoKey {
        path: PathBuf,
        source: rustls::pki_types::pem::Error,
    },
    #[error("the certificate and key cannot be used: {0}")]
    Unusable(#[from] rustls::Error),
    #[error("cannot generate a self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A server configuration (ring provider) from a certificate chain and a key
/// in PEM files.
pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsIdentityError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| TlsIdentityError::Read {
            path: path.to_path_buf(),
            source,
        })
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&read(cert)?)
        .filter_map(Result::ok)
        .collect();
    if chain.is_empty() {
        return Err(TlsIdentityError::NoCertificate {
            path: cert.to_path_buf(),
        });
    }
    let key_der =
        PrivateKeyDer::from_pem_slice(&read(key)?).map_err(|source| TlsIdentityError::NoKey {
            path: key.to_path_buf(),
            source,
        })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)?;
    Ok(Arc::new(config))
}

/// The self-signed certificate in `data_dir`, generated for `hostname` on
/// first use.
pub fn self_signed_in(
    data_dir: &Path,
    hostname: &str,
) -> Result<Arc<ServerConfig>, TlsIdentityError> {
    let cert = data_dir.join(GENERATED_CERT_FILE);
    let key = data_dir.join(GENERATED_KEY_FILE);
    if !cert.exists() || !key.exists() {
        generate(&cert, &key, hostname)?;
        tracing::info!(cert = %cert.display(), "generated a self-signed certificate for STARTTLS");
    }
    from_pem_files(&cert, &key)
}

fn generate(cert: &Path, key: &Path, hostname: &str) -> Result<(), TlsIdentityError> {
    let generated = rcgen::generate_simple_self_signed(vec![hostname.to_string()])?;
    write_private(key, generated.signing_key.serialize_pem().as_bytes())?;
    // The certificate is public, but it lives in the data directory, where
    // every file is the node's own.
    write_private(cert, generated.cert.pem().as_bytes())
}

/// Writes a file only its owner can read (mode 0600).
fn write_private(path: &Path, contents: &[u8]) -> Result<(), TlsIdentityError> {
    mailflow_store::private_files::write(path, contents).map_err(|source| TlsIdentityError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_certificate_is_generated_once_with_a_private_key() {
        let dir = tempfile::tempdir().unwrap();
        self_signed_in(dir.path(), "mx.mailflow.test").unwrap();
        let cert = std::fs::read(dir.path().join(GENERATED_CERT_FILE)).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(dir.path().join(GENERATED_KEY_FILE)).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
        self_signed_in(dir.path(), "mx.mailflow.test").unwrap();
        let again = std::fs::read(dir.path().join(GENERATED_CERT_FILE)).unwrap();
        assert_eq!(cert, again, "the certificate is reused, not regenerated");
    }

    #[test]
    fn a_file_without_a_certificate_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "nothing here").unwrap();
        let error = from_pem_files(&empty, &empty).unwrap_err();
        assert!(matches!(error, TlsIdentityError::NoCertificate { path } if path == empty));
    }
}
