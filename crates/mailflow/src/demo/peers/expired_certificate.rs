//! The certificate of the partner whose certificate has expired, made at
//! start: a demo CA, which the node is told to trust (`trusted_ca_file`),
//! signs a certificate for the partner's name that ended a month ago. The
//! chain and the name are right, so the one thing a verifying connector
//! finds wrong is the date (`4.7.320`, certificate expired).

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::Path;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// The file in the data directory holding the demo CA's certificate.
pub const CA_FILE: &str = "demo-ca.pem";

#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error("cannot make the demo certificates: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the demo certificate cannot be used: {0}")]
    Unusable(#[from] rustls::Error),
    #[error("cannot write the demo CA into {path}: {source}", path = path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Writes the demo CA's certificate into `data_dir` and returns a server
/// configuration presenting an expired certificate for `name`.
pub fn expired_for(name: &str, data_dir: &Path) -> Result<Arc<ServerConfig>, CertificateError> {
    let now = OffsetDateTime::now_utc();
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "mailflow demo CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    (ca.not_before, ca.not_after) = (now - Duration::days(365), now + Duration::days(365));
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca.self_signed(&ca_key)?;
    let path = data_dir.join(CA_FILE);
    mailflow_store::private_files::write(&path, ca_cert.pem().as_bytes())
        .map_err(|source| CertificateError::Write { path, source })?;

    let mut leaf = CertificateParams::new(vec![name.to_string()])?;
    leaf.distinguished_name.push(DnType::CommonName, name);
    leaf.use_authority_key_identifier_extension = true;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    (leaf.not_before, leaf.not_after) = (now - Duration::days(90), now - Duration::days(30));
    let leaf_key = KeyPair::generate()?;
    let leaf_cert = leaf.signed_by(&leaf_key, &Issuer::new(ca, ca_key))?;

    let chain = vec![leaf_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}
