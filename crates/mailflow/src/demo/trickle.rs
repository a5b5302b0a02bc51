//! The demo's traffic: every `EVERY` one message is submitted over SMTP to
//! the node, from loopback (a trusted network, so it is relayed), going
//! round the example organisation's connectors — mail from a partner to
//! Contoso's people, and from Contoso to each partner. One of Contoso's
//! recipients is not in the directory: that is the mail `stop-relaying`
//! bounces, and that the node refuses once the fix is applied.
//!
//! It stops with the demo, or after `MAX_MESSAGES`.

use super::organisation::HOSTNAME;
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mailflow_core::{DsnEnvelope, DsnRecipient, Mailbox};
use mailflow_smtp::client::{
    BodyInfo, ClientError, Envelope, EnvelopeRecipient, SmtpClient, TransactionReplies,
};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// One message this often.
pub const EVERY: Duration = Duration::from_millis(1500);
/// An hour of traffic; a demo left running does not fill the disk.
const MAX_MESSAGES: usize = 2400;
/// Connecting, and each reply of the node.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The name the demo's client says in EHLO.
const CLIENT_NAME: &str = "app.contoso.test";

/// Sender and recipient of each message, in turn: every connector once in
/// the first four, so each shows what it does within seconds.
const TRAFFIC: [(&str, &str); 12] = [
    ("orders@adatum.test", "alice@contoso.test"),
    ("sales@contoso.test", "purchasing@fabrikam.test"),
    ("sales@contoso.test", "support@northwind.test"),
    ("sales@contoso.test", "orders@adatum.test"),
    // Not in the directory: only the on-premises server knows dave.
    ("orders@adatum.test", "dave@contoso.test"),
    ("sales@contoso.test", "invoices@fabrikam.test"),
    ("sales@contoso.test", "sales@northwind.test"),
    ("sales@contoso.test", "billing@adatum.test"),
    ("orders@adatum.test", "bob@contoso.test"),
    ("sales@contoso.test", "purchasing@fabrikam.test"),
    ("sales@contoso.test", "support@northwind.test"),
    ("orders@adatum.test", "carol@contoso.test"),
];

/// The running trickle.
pub struct Trickle {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Trickle {
    /// Starts submitting to the node's SMTP listener at `smtp`.
    pub fn start(smtp: SocketAddr) -> Trickle {
        let stop = CancellationToken::new();
        let task = tokio::spawn(run(smtp, stop.clone()));
        Trickle { stop, task }
    }

    /// Stops it, a message being submitted included.
    pub async fn stop(self) {
        self.stop.cancel();
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the demo's traffic task failed");
        }
    }
}

async fn run(smtp: SocketAddr, stop: CancellationToken) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let traffic = TRAFFIC.iter().cycle().take(MAX_MESSAGES);
    for (number, (from, to)) in traffic.enumerate() {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let outcome = tokio::select! {
            () = stop.cancelled() => return,
            outcome = submit(smtp, from, to, number + 1) => outcome,
        };
        match outcome {
            Ok(replies) if replies.is_accepted() => {
                tracing::debug!(from, to, "demo message submitted");
            }
            // After `stop-relaying`: a recipient the directory does not know.
            Ok(replies) => {
                tracing::info!(from, to, refused = %refusal(&replies), "demo message refused")
            }
            Err(error) => tracing::warn!(from, to, %error, "demo message not submitted"),
        }
    }
    tracing::info!("the demo's traffic stopped after {MAX_MESSAGES} messages");
}

#[derive(Debug, thiserror::Error)]
enum SubmitError {
    #[error("cannot connect: {0}")]
    Connect(std::io::Error),
    #[error("no connection within {TIMEOUT:?}")]
    ConnectTimedOut,
    #[error(transparent)]
    Smtp(#[from] ClientError),
    #[error("cannot write the message: {0}")]
    Compose(std::io::Error),
}

/// One message on its own connection.
async fn submit(
    smtp: SocketAddr,
    from: &str,
    to: &str,
    number: usize,
) -> Result<TransactionReplies, SubmitError> {
    let sender = Mailbox::parse(from).expect("the demo's senders are addresses");
    let recipient = Mailbox::parse(to).expect("the demo's recipients are addresses");
    let body = compose(from, to, number).map_err(SubmitError::Compose)?;
    let stream = match tokio::time::timeout(TIMEOUT, TcpStream::connect(smtp)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => return Err(SubmitError::Connect(error)),
        Err(_) => return Err(SubmitError::ConnectTimedOut),
    };
    let mut client = SmtpClient::new(stream, TIMEOUT);
    client.read_greeting().await?;
    client.ehlo(CLIENT_NAME).await?;
    let (dsn, recipient_dsn) = (DsnEnvelope::default(), DsnRecipient::default());
    let recipients = [EnvelopeRecipient {
        address: &recipient,
        dsn: &recipient_dsn,
    }];
    let envelope = Envelope {
        sender: Some(&sender),
        dsn: &dsn,
        recipients: &recipients,
    };
    let replies = client
        .send_message(&envelope, BodyInfo::of(&body), &mut body.as_slice())
        .await?;
    client.quit().await;
    Ok(replies)
}

/// The first negative reply of a transaction.
fn refusal(replies: &TransactionReplies) -> String {
    let replies = std::iter::once(&replies.mail)
        .chain(&replies.rcpt)
        .chain(&replies.data)
        .chain(&replies.final_reply);
    replies
        .filter(|reply| reply.code / 100 != 2 && reply.code != 354)
        .map(ToString::to_string)
        .next()
        .unwrap_or_default()
}

fn compose(from: &str, to: &str, number: usize) -> std::io::Result<Vec<u8>> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    MessageBuilder::new()
        .from(Address::new_address(None::<&str>, from.to_string()))
        .to(Address::new_address(None::<&str>, to.to_string()))
        .subject(format!("mailflow demo message {number}"))
        .date(now)
        .message_id(format!("demo-{number}-{now}@{HOSTNAME}"))
        .text_body(format!(
            "Message {number} of the mailflow demo's traffic, from {from} to {to}.\r\n"
        ))
        .write_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::organisation::{CONNECTORS, DIRECTORY};

    #[test]
    fn the_first_round_reaches_every_connector_and_one_recipient_is_unknown() {
        for (index, connector) in CONNECTORS.iter().enumerate() {
            let first = TRAFFIC
                .iter()
                .position(|(_, to)| to.ends_with(&format!("@{}", connector.domain)));
            assert!(first.is_some_and(|at| at < CONNECTORS.len()), "{index}");
        }
        let unknown: Vec<_> = TRAFFIC
            .iter()
            .filter(|(_, to)| to.ends_with("@contoso.test") && !DIRECTORY.contains(to))
            .collect();
        assert_eq!(unknown.len(), 1);
        for (from, to) in TRAFFIC {
            assert!(Mailbox::parse(from).is_ok() && Mailbox::parse(to).is_ok());
        }
    }
}
