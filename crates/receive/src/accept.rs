//! The end of a transaction: a complete message is checked for a mail loop,
//! given its `Received:` header and made durable. `250` is said only after
//! the store has returned: mailflow never loses a message it said `250` to.
//!
//! The message's bytes are not copied on the way: the header goes in front
//! as a chunk of its own, and the store writes the chunks as they are. The
//! session's memory reservation covers them (the header too) until the
//! store has written them and let them go.

use crate::envelope::Envelope;
use crate::message_id_header::message_id_header;
use crate::receiver::Receiver;
use crate::trace::{TraceInfo, count_received_headers, received_header};
use mailflow_core::{EnhancedCode, Mailbox, MessageBytes, MessageId};
use mailflow_smtp::server::{DataRefusal, Reply, Reservation};
use mailflow_store::{NewMessage, StoreError};
use std::net::IpAddr;

/// How the client came in, for the trace header.
pub(crate) struct Arrival<'a> {
    pub helo: &'a str,
    pub extended: bool,
    pub client_ip: IpAddr,
    /// Over TLS (STARTTLS).
    pub secured: bool,
    /// The client logged in with AUTH.
    pub authenticated: bool,
}

pub(crate) async fn accept(
    receiver: &Receiver,
    envelope: Envelope,
    mut body: MessageBytes,
    arrival: Arrival<'_>,
    memory: &mut Reservation,
) -> Reply {
    let settings = receiver.settings();
    let hops = count_received_headers(body.bytes());
    if hops > settings.max_received_headers {
        return Reply::new(
            554,
            EnhancedCode(5, 4, 6),
            format!(
                "mail loop detected: the message already has {hops} Received headers (limit {})",
                settings.max_received_headers
            ),
        );
    }
    let id = MessageId::new();
    let message_id_header = message_id_header(body.bytes());
    let received_at = receiver.clock.now();
    let single_recipient = match envelope.recipients.as_slice() {
        [only] => Mailbox::parse(&only.address).ok(),
        _ => None,
    };
    let header = received_header(&TraceInfo {
        helo: arrival.helo,
        client_ip: arrival.client_ip,
        hostname: &settings.hostname,
        protocol: &protocol(arrival.extended, envelope.smtputf8, &arrival),
        id,
        single_recipient: single_recipient.as_ref(),
        at: received_at,
    });
    if !memory.cover((body.capacity() + header.len()) as u64) {
        return DataRefusal::NoMemory.reply();
    }
    body.prepend(header.into_bytes());
    let message = NewMessage {
        message_id_header,
        id,
        org: envelope.org.unwrap_or_else(|| settings.org.clone()),
        sender: envelope
            .sender
            .map(|sender| sender.as_str().to_string())
            .unwrap_or_default(),
        client: arrival.client_ip.to_string(),
        received_at,
        expires_at: received_at + settings.expiration,
        dsn: envelope.dsn,
        body,
        recipients: envelope.recipients,
    };
    store(receiver, message).await
}

async fn store(receiver: &Receiver, message: NewMessage) -> Reply {
    let id = message.id;
    match receiver.store.accept_message(message).await {
        Ok(()) => {
            receiver.accepted.notify_one();
            tracing::info!(message_id = %id, "message accepted");
            Reply::new(250, EnhancedCode(2, 0, 0), format!("Ok: queued as {id}"))
        }
        Err(StoreError::Full(detail)) => {
            tracing::warn!(%detail, "store full: message refused with 452 4.3.1");
            Reply::new(
                452,
                EnhancedCode(4, 3, 1),
                "insufficient system storage; try again later",
            )
        }
        Err(error) => {
            tracing::error!(%error, "message could not be stored: refused with 451 4.3.0");
            Reply::new(
                451,
                EnhancedCode(4, 3, 0),
                "the message could not be stored; try again later",
            )
        }
    }
}

/// The `with` of the trace header (RFC 3848, RFC 6531): `S` added over TLS,
/// `A` after AUTH.
fn protocol(extended: bool, smtputf8: bool, arrival: &Arrival<'_>) -> String {
    let base = match (extended, smtputf8) {
        (_, true) => "UTF8SMTP",
        (true, false) => "ESMTP",
        (false, false) => "SMTP",
    };
    let extended = base != "SMTP";
    let tls = if arrival.secured && extended { "S" } else { "" };
    let auth = if arrival.authenticated && extended {
        "A"
    } else {
        ""
    };
    format!("{base}{tls}{auth}")
}
