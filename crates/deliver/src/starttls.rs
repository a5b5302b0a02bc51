//! STARTTLS under the connector's TLS policy.
//!
//! Opportunistic: TLS when offered, any certificate (its problems are logged
//! and kept with what the handshake negotiated); a refused STARTTLS leaves
//! the session in plaintext, a failed handshake fails the address (no silent
//! fallback on the same connection).
//! Required and stricter: STARTTLS must be offered and accepted, and the
//! verifier's typed finding turns a rejected certificate into `4.7.320`.

use crate::diagnose::setup_failure;
use crate::session::{Client, Session, SessionParams, SetupFailure};
use crate::tls::{CertFinding, FindingSlot, NegotiatedTls, TlsSetup};
use mailflow_core::{Diagnosis, DropKind, DropStage, ServerRefusal, Stage};
use mailflow_smtp::client::{ClientError, SmtpClient, Transport};
use rustls_pki_types::ServerName;
use std::io;
use tokio::time::timeout;

pub(crate) async fn negotiate_tls(
    mut client: Client,
    params: &SessionParams<'_>,
) -> Result<Session, SetupFailure> {
    let requires = params.policy.requires_tls();
    if !client.capabilities().starttls {
        if requires {
            return Err(refused(ServerRefusal::StartTlsNotOffered));
        }
        return Ok(plaintext(client, false));
    }
    match client.starttls().await {
        Ok(()) => {}
        Err(ClientError::Rejected { .. }) if !requires => {
            return Ok(plaintext(client, true));
        }
        Err(error) => {
            return Err(SetupFailure::at(
                Stage::StartTls,
                setup_failure(&error, false),
            ));
        }
    }
    let (mut client, negotiated) = handshake(client, params).await?;
    client
        .ehlo(params.hostname)
        .await
        .map_err(|error| SetupFailure::at(Stage::StartTls, setup_failure(&error, true)))?;
    Ok(Session {
        client,
        stage: Stage::StartTls,
        starttls_offered: true,
        tls: Some(negotiated),
    })
}

/// A session that goes on without TLS, as the policy allows.
fn plaintext(client: Client, starttls_offered: bool) -> Session {
    Session {
        client,
        stage: Stage::Ehlo,
        starttls_offered,
        tls: None,
    }
}

fn refused(refusal: ServerRefusal) -> SetupFailure {
    SetupFailure::at(Stage::StartTls, Diagnosis::RemoteServerError { refusal })
}

async fn handshake(
    client: Client,
    params: &SessionParams<'_>,
) -> Result<(Client, NegotiatedTls), SetupFailure> {
    let name = ServerName::try_from(params.tls_name.to_string()).map_err(|_| {
        let reason = format!("{} cannot be used as a TLS server name", params.tls_name);
        refused(ServerRefusal::TlsHandshake { reason })
    })?;
    let slot = FindingSlot::default();
    let connector = TlsSetup::connector(params.tls, params.policy, slot.clone());
    let connecting = connector.connect(name, client.into_stream());
    let stream = match timeout(params.command_timeout, connecting).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => return Err(handshake_failure(&error, &slot)),
        Err(_) => return Err(dropped(DropKind::NoReply)),
    };
    let negotiated = NegotiatedTls::of(stream.get_ref().1, take_finding(&slot));
    let stream: Box<dyn Transport> = Box::new(stream);
    Ok((SmtpClient::new(stream, params.command_timeout), negotiated))
}

/// What the certificate check left in the slot, taken out of it.
fn take_finding(slot: &FindingSlot) -> Option<CertFinding> {
    slot.lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take()
}

fn dropped(how: DropKind) -> SetupFailure {
    SetupFailure::at(
        Stage::StartTls,
        Diagnosis::ConnectionDropped {
            stage: DropStage::DuringTls,
            how,
        },
    )
}

/// A rejected certificate (the verifier's finding), a drop, or another
/// handshake failure (no common version or cipher, a protocol error).
fn handshake_failure(error: &io::Error, slot: &FindingSlot) -> SetupFailure {
    if let Some(finding) = take_finding(slot) {
        let diagnosis = Diagnosis::CertificateInvalid {
            problem: finding.problem,
            certificate: finding.certificate,
        };
        return SetupFailure::at(Stage::StartTls, diagnosis);
    }
    match error.kind() {
        io::ErrorKind::UnexpectedEof => return dropped(DropKind::Closed),
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => {
            return dropped(DropKind::Reset);
        }
        _ => {}
    }
    let reason = match error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls_error) => tls_error.to_string(),
        None => error.to_string(),
    };
    refused(ServerRefusal::TlsHandshake { reason })
}
