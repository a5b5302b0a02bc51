//! Certificates made here pass or fail a real rustls client as intended.

use mailflow_testkit::{TestCa, TestCert, Validity};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::ring;
use rustls::{CertificateError, Error};
use rustls_pki_types::{ServerName, UnixTime};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

fn verify(ca: &TestCa, cert: &TestCert, name: &str) -> Result<(), Error> {
    let verifier = WebPkiServerVerifier::builder_with_provider(
        Arc::new(ca.root_store()),
        Arc::new(ring::default_provider()),
    )
    .build()
    .unwrap();
    let name = ServerName::try_from(name.to_string()).unwrap();
    verifier
        .verify_server_cert(&cert.cert_der(), &[], &name, &[], UnixTime::now())
        .map(|_| ())
}

#[test]
fn a_current_certificate_verifies_for_its_names() {
    let ca = TestCa::new();
    let cert = ca.issue(&["mx.example.test", "127.0.0.1"]);
    verify(&ca, &cert, "mx.example.test").unwrap();
    verify(&ca, &cert, "127.0.0.1").unwrap();
}

#[test]
fn expired_not_yet_valid_wrong_name_and_self_signed_fail_as_such() {
    let ca = TestCa::new();
    let expired = ca.issue_with_validity(&["mx.test"], Validity::Expired);
    let early = ca.issue_with_validity(&["mx.test"], Validity::NotYetValid);
    let other = ca.issue(&["other.test"]);
    let own = TestCert::self_signed(&["mx.test"], Validity::Current);
    let expect = |result: Result<(), Error>, want: fn(&CertificateError) -> bool| match result {
        Err(Error::InvalidCertificate(error)) => assert!(want(&error), "{error:?}"),
        other => panic!("expected an invalid certificate, got {other:?}"),
    };
    expect(verify(&ca, &expired, "mx.test"), |e| {
        matches!(e, CertificateError::ExpiredContext { .. })
    });
    expect(verify(&ca, &early, "mx.test"), |e| {
        matches!(e, CertificateError::NotValidYetContext { .. })
    });
    expect(verify(&ca, &other, "mx.test"), |e| {
        matches!(e, CertificateError::NotValidForNameContext { .. })
    });
    expect(verify(&ca, &own, "mx.test"), |e| {
        matches!(e, CertificateError::UnknownIssuer)
    });
}

#[test]
fn pem_forms_are_pem() {
    let ca = TestCa::new();
    let cert = ca.issue(&["mx.test"]);
    assert!(ca.cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(cert.cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(cert.key_pem().starts_with("-----BEGIN PRIVATE KEY-----"));
}

#[tokio::test]
async fn server_config_completes_a_handshake_with_a_client_trusting_the_ca() {
    let ca = TestCa::new();
    let cert = ca.issue(&["mx.test"]);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(cert.server_config());
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        tls.write_all(b"hello").await.unwrap();
        tls.shutdown().await.unwrap();
    });
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(ca.root_store())
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("mx.test").unwrap();
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    let mut received = String::new();
    tls.read_to_string(&mut received).await.unwrap();
    assert_eq!(received, "hello");
    server.await.unwrap();
}
