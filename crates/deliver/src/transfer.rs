//! Carrying one message over an open session and reading each recipient's
//! outcome out of the replies: a refused MAIL or DATA applies to every
//! recipient, a refused RCPT to that recipient only.

use crate::OutboundMessage;
use crate::RecipientOutcome;
use crate::diagnose::{body_unreadable, stage_of, transaction_failure};
use crate::memory::DeliveryMemory;
use crate::session::Session;
use crate::wire_addresses::WireAddresses;
use mailflow_core::{Diagnosis, RemoteReply, Stage};
use mailflow_smtp::client::{
    BODY_BUFFERS, BODY_CHUNK, ClientError, Envelope, EnvelopeRecipient, TransactionReplies,
};

/// What one transaction holds for its body whatever its size: the piece
/// read and its stuffed form, and the file reader's own buffer of a piece.
pub(crate) const TRANSACTION_MEMORY: u64 = (BODY_BUFFERS + BODY_CHUNK) as u64;

/// A transaction the server answered, whatever it answered.
pub(crate) struct Answered {
    pub outcomes: Vec<RecipientOutcome>,
    pub stage: Stage,
    /// The server took the message; no RSET needed.
    pub accepted: bool,
}

/// The connection broke during the transaction.
pub(crate) struct BrokeOff {
    pub diagnosis: Diagnosis,
    pub stage: Stage,
}

/// Sends `message` over `session`, holding its share of `memory` while it
/// does. A body that cannot be opened settles the message alone (nothing
/// was sent, the session goes on); one that fails while it is being sent
/// breaks the session, since the server waits for the rest of it.
pub(crate) async fn transfer(
    session: &mut Session,
    message: &OutboundMessage,
    server: &str,
    memory: &DeliveryMemory,
) -> Result<Answered, BrokeOff> {
    let addresses = WireAddresses::of(message);
    let sendable = addresses.sendable(message);
    let recipients: Vec<EnvelopeRecipient<'_>> = sendable
        .iter()
        .map(|(address, rcpt)| EnvelopeRecipient {
            address,
            dsn: &rcpt.dsn,
        })
        .collect();
    if recipients.is_empty() {
        return Ok(Answered {
            outcomes: addresses.merge(Vec::new()),
            stage: session.stage,
            accepted: true,
        });
    }
    let envelope = Envelope {
        sender: addresses.sender.as_ref().ok().and_then(Option::as_ref),
        dsn: &message.dsn,
        recipients: &recipients,
    };
    let _held = memory
        .hold(TRANSACTION_MEMORY + message.body.held_by_reader())
        .await;
    let offered = session.client.capabilities().eight_bit_mime;
    let opened = match message.body.info(offered).await {
        Ok(info) => message.body.open().await.map(|reader| (info, reader)),
        Err(error) => Err(error),
    };
    let (info, mut reader) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            let diagnosis = body_unreadable(&error.to_string());
            let failed = RecipientOutcome::Failed {
                diagnosis,
                server: None,
            };
            return Ok(Answered {
                outcomes: addresses.merge(vec![failed; recipients.len()]),
                stage: session.stage,
                // Nothing was sent: no transaction to reset.
                accepted: true,
            });
        }
    };
    match session
        .client
        .send_message(&envelope, info, &mut reader)
        .await
    {
        Ok(replies) => {
            let answered = answered(&replies, recipients.len(), server);
            Ok(Answered {
                outcomes: addresses.merge(answered.outcomes),
                ..answered
            })
        }
        Err(error) => {
            let step = match &error {
                ClientError::Broken { step, .. } | ClientError::Rejected { step, .. } => *step,
                ClientError::BodyUnreadable { .. } => mailflow_smtp::client::Step::Body,
            };
            Err(BrokeOff {
                diagnosis: transaction_failure(&error),
                stage: stage_of(step),
            })
        }
    }
}

fn answered(replies: &TransactionReplies, count: usize, server: &str) -> Answered {
    let failed = |diagnosis: Diagnosis| RecipientOutcome::Failed {
        diagnosis,
        server: Some(server.to_string()),
    };
    if !positive(&replies.mail) {
        let diagnosis = Diagnosis::from_reply(Stage::Mail, replies.mail.clone());
        return Answered {
            outcomes: vec![failed(diagnosis); count],
            stage: Stage::Mail,
            accepted: false,
        };
    }
    // The reply every RCPT-accepted recipient shares: the DATA refusal or the final reply.
    let message_reply = message_reply(replies);
    let outcomes = replies
        .rcpt
        .iter()
        .map(|rcpt| match (positive(rcpt), &message_reply) {
            (false, _) => failed(Diagnosis::from_reply(Stage::Rcpt, rcpt.clone())),
            (true, Some(reply)) if positive(reply) => RecipientOutcome::Delivered {
                reply: reply.to_string(),
                server: server.to_string(),
            },
            (true, Some(reply)) => failed(Diagnosis::from_reply(Stage::Data, (*reply).clone())),
            (true, None) => failed(Diagnosis::from_reply(Stage::Data, missing_data_reply())),
        })
        .collect();
    let stage = if replies.data.is_some() {
        Stage::Data
    } else {
        Stage::Rcpt
    };
    Answered {
        outcomes,
        stage,
        accepted: replies.is_accepted(),
    }
}

/// The refusal of DATA, else the reply after the final dot.
fn message_reply(replies: &TransactionReplies) -> Option<&RemoteReply> {
    match &replies.data {
        Some(data) if data.code != 354 => Some(data),
        Some(_) => replies.final_reply.as_ref(),
        None => None,
    }
}

/// Unreachable with a server that answered every step; kept total.
fn missing_data_reply() -> RemoteReply {
    RemoteReply {
        code: 451,
        enhanced: None,
        text: "no reply to DATA was read".to_string(),
    }
}

fn positive(reply: &RemoteReply) -> bool {
    reply.code / 100 == 2
}
