//! Certificates made at test time.
//!
//! TLS tests need a server certificate whose every property the test chose:
//! signed by a CA the client trusts (or not), valid now, expired or not yet
//! valid, for the right name or the wrong one. `TestCa` is that CA; it hands
//! out `TestCert`s and can be written to a PEM file for `trusted_ca_file`.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::crypto::ring;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// The validity window of an issued certificate, relative to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// From a day ago to thirty days from now.
    Current,
    /// Ended a day ago.
    Expired,
    /// Starts in a day.
    NotYetValid,
}

impl Validity {
    fn window(self) -> (OffsetDateTime, OffsetDateTime) {
        let now = OffsetDateTime::now_utc();
        let day = Duration::days(1);
        match self {
            Validity::Current => (now - day, now + day * 30),
            Validity::Expired => (now - day * 30, now - day),
            Validity::NotYetValid => (now + day, now + day * 30),
        }
    }
}

/// A certificate authority that exists only for one test.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    cert: CertificateDer<'static>,
    cert_pem: String,
}

impl TestCa {
    /// A CA named "mailflow test CA", valid from a day ago for a year.
    pub fn new() -> TestCa {
        TestCa::named("mailflow test CA")
    }

    /// A CA with the given common name.
    pub fn named(common_name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("no names");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::days(1);
        params.not_after = now + Duration::days(365);
        let key = KeyPair::generate().expect("generate CA key");
        let cert = params.self_signed(&key).expect("self-sign CA");
        TestCa {
            cert: cert.der().clone(),
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// The CA certificate in PEM, e.g. to write into a `trusted_ca_file`.
    pub fn cert_pem(&self) -> String {
        self.cert_pem.clone()
    }

    pub fn cert_der(&self) -> CertificateDer<'static> {
        self.cert.clone()
    }

    /// A root store trusting only this CA.
    pub fn root_store(&self) -> rustls::RootCertStore {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.cert_der()).expect("CA certificate is valid");
        roots
    }

    /// A server certificate for `names` (DNS names or IP addresses), valid now.
    pub fn issue(&self, names: &[&str]) -> TestCert {
        self.issue_with_validity(names, Validity::Current)
    }

    /// A server certificate for `names` with the chosen validity window.
    pub fn issue_with_validity(&self, names: &[&str], validity: Validity) -> TestCert {
        let params = leaf_params(names, validity);
        let key = KeyPair::generate().expect("generate leaf key");
        let cert = params.signed_by(&key, &self.issuer).expect("sign leaf");
        TestCert::new(cert.der().clone(), cert.pem(), &key)
    }
}

impl Default for TestCa {
    fn default() -> Self {
        TestCa::new()
    }
}

fn leaf_params(names: &[&str], validity: Validity) -> CertificateParams {
    let owned: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    let mut params = CertificateParams::new(owned).expect("valid subject alternative names");
    if let Some(first) = names.first() {
        params.distinguished_name.push(DnType::CommonName, *first);
    }
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    (params.not_before, params.not_after) = validity.window();
    params
}

/// A certificate with its private key.
pub struct TestCert {
    cert: CertificateDer<'static>,
    cert_pem: String,
    key_pkcs8: Vec<u8>,
    key_pem: String,
}

impl TestCert {
    fn new(cert: CertificateDer<'static>, cert_pem: String, key: &KeyPair) -> TestCert {
        TestCert {
            cert,
            cert_pem,
            key_pkcs8: key.serialize_der(),
            key_pem: key.serialize_pem(),
        }
    }

    /// A self-signed certificate for `names` (no CA vouches for it).
    pub fn self_signed(names: &[&str], validity: Validity) -> TestCert {
        let params = leaf_params(names, validity);
        let key = KeyPair::generate().expect("generate key");
        let cert = params.self_signed(&key).expect("self-sign");
        TestCert::new(cert.der().clone(), cert.pem(), &key)
    }

    pub fn cert_pem(&self) -> String {
        self.cert_pem.clone()
    }

    pub fn key_pem(&self) -> String {
        self.key_pem.clone()
    }

    pub fn cert_der(&self) -> CertificateDer<'static> {
        self.cert.clone()
    }

    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_pkcs8.clone()))
    }

    /// A server configuration presenting this certificate, TLS 1.2 and 1.3,
    /// on the ring provider.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        self.server_config_with_versions(rustls::ALL_VERSIONS)
    }

    /// A server configuration limited to the given protocol versions, e.g.
    /// `&[&rustls::version::TLS12]` to fail a handshake with a TLS 1.3-only
    /// client for a reason other than the certificate.
    pub fn server_config_with_versions(
        &self,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Arc<ServerConfig> {
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_protocol_versions(versions)
            .expect("ring supports the chosen versions")
            .with_no_client_auth()
            .with_single_cert(vec![self.cert_der()], self.key_der())
            .expect("certificate and key match");
        Arc::new(config)
    }
}
