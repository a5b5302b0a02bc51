//! Setting up a session with one address: TCP, greeting, EHLO, and TLS as
//! the connector's policy asks. The result is either a session ready for
//! transactions or the diagnosis of how far it got.

use crate::connect::connect;
use crate::diagnose::setup_failure;
use crate::starttls::negotiate_tls;
use crate::tls::{NegotiatedTls, TlsSetup};
use mailflow_core::{Diagnosis, Stage, TlsPolicy};
use mailflow_smtp::client::{SmtpClient, Transport};
use std::net::SocketAddr;
use std::time::Duration;

pub(crate) type Client = SmtpClient<Box<dyn Transport>>;

/// Everything one address attempt needs to know.
pub(crate) struct SessionParams<'a> {
    pub hostname: &'a str,
    pub tls: &'a TlsSetup,
    pub policy: TlsPolicy,
    /// The name the certificate must carry (`tls_name`, else the host).
    pub tls_name: &'a str,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
}

/// A session ready for transactions.
pub(crate) struct Session {
    pub client: Client,
    /// `Ehlo` for plaintext, `StartTls` once TLS is up.
    pub stage: Stage,
    /// The first EHLO reply offered STARTTLS.
    pub starttls_offered: bool,
    /// What the handshake settled on; `None` in plaintext.
    pub tls: Option<NegotiatedTls>,
}

/// How far a failed setup got, and why it failed.
#[derive(Debug)]
pub(crate) struct SetupFailure {
    pub stage: Stage,
    pub diagnosis: Diagnosis,
}

impl SetupFailure {
    pub(crate) fn at(stage: Stage, diagnosis: Diagnosis) -> Self {
        SetupFailure { stage, diagnosis }
    }
}

pub(crate) async fn open_session(
    params: &SessionParams<'_>,
    addr: SocketAddr,
) -> Result<Session, SetupFailure> {
    let tcp = connect(addr, params.connect_timeout)
        .await
        .map_err(|diagnosis| SetupFailure::at(Stage::Connect, diagnosis))?;
    let stream: Box<dyn Transport> = Box::new(tcp);
    let mut client = SmtpClient::new(stream, params.command_timeout);
    client
        .read_greeting()
        .await
        .map_err(|error| SetupFailure::at(Stage::Greeting, setup_failure(&error, false)))?;
    client
        .ehlo(params.hostname)
        .await
        .map_err(|error| SetupFailure::at(Stage::Ehlo, setup_failure(&error, false)))?;
    negotiate_tls(client, params).await
}
