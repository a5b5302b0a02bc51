//! TLS for the tests: a listener certificate issued by a test CA for the
//! harness hostname, and the client side of STARTTLS trusting only that CA.

use super::{Client, settings};
use mailflow_receive::ReceiveSettings;
use mailflow_testkit::certs::TestCa;
use rustls::pki_types::ServerName;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

pub const HOSTNAME: &str = "mx.mailflow.test";

/// The harness settings with a certificate from `ca` for STARTTLS.
pub fn tls_settings(ca: &TestCa) -> ReceiveSettings {
    ReceiveSettings {
        tls: Some(ca.issue(&[HOSTNAME]).server_config()),
        ..settings()
    }
}

/// Completes a handshake on a client that just got `220` to STARTTLS.
pub async fn handshake(ca: &TestCa, client: Client) -> Client<TlsStream<TcpStream>> {
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(ca.root_store())
    .with_no_client_auth();
    let name = ServerName::try_from(HOSTNAME).unwrap();
    let stream = TlsConnector::from(Arc::new(config))
        .connect(name, client.into_stream())
        .await
        .expect("the handshake succeeds with a certificate from the trusted CA");
    Client::over(stream)
}
