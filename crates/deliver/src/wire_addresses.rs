//! The queued addresses of one message, read back into typed [`Mailbox`]es
//! before anything is written to the next hop: the client writes only
//! mailboxes, through their encoder. An address that does not read back
//! (one queued before addresses were checked as they are now) is never
//! sent: its recipient fails at once, `553 5.1.3`, or every recipient with
//! `553 5.1.7` when it is the sender.

use crate::{OutboundMessage, OutboundRecipient, RecipientOutcome};
use mailflow_core::{Diagnosis, EnhancedCode, Mailbox};

pub(crate) struct WireAddresses {
    /// `Ok(None)`: the null sender.
    pub sender: Result<Option<Mailbox>, Box<Diagnosis>>,
    recipients: Vec<Result<Mailbox, Box<Diagnosis>>>,
}

impl WireAddresses {
    pub fn of(message: &OutboundMessage) -> WireAddresses {
        let sender = match message.sender.as_str() {
            "" => Ok(None),
            text => Mailbox::parse(text)
                .map(Some)
                .map_err(|error| unsendable(553, EnhancedCode(5, 1, 7), "sender", text, error)),
        };
        let recipients = message
            .recipients
            .iter()
            .map(|rcpt| {
                Mailbox::parse(&rcpt.address).map_err(|error| {
                    unsendable(
                        553,
                        EnhancedCode(5, 1, 3),
                        "recipient",
                        &rcpt.address,
                        error,
                    )
                })
            })
            .collect();
        WireAddresses { sender, recipients }
    }

    /// The recipients that can be written, with their mailbox; none when
    /// the sender cannot be.
    pub fn sendable<'a>(
        &'a self,
        message: &'a OutboundMessage,
    ) -> Vec<(&'a Mailbox, &'a OutboundRecipient)> {
        if self.sender.is_err() {
            return Vec::new();
        }
        self.recipients
            .iter()
            .zip(&message.recipients)
            .filter_map(|(address, rcpt)| address.as_ref().ok().map(|address| (address, rcpt)))
            .collect()
    }

    /// Every recipient's outcome, in order: the sent ones' from `sent` (in
    /// the order [`WireAddresses::sendable`] gave them), the others failed.
    pub fn merge(&self, sent: Vec<RecipientOutcome>) -> Vec<RecipientOutcome> {
        let mut sent = sent.into_iter();
        self.recipients
            .iter()
            .map(|address| {
                let refused = match (&self.sender, address) {
                    (Err(diagnosis), _) | (Ok(_), Err(diagnosis)) => Some(*diagnosis.clone()),
                    (Ok(_), Ok(_)) => None,
                };
                match refused {
                    Some(diagnosis) => RecipientOutcome::Failed {
                        diagnosis,
                        server: None,
                    },
                    None => sent.next().expect("one outcome per recipient sent"),
                }
            })
            .collect()
    }
}

fn unsendable(
    reply_code: u16,
    code: EnhancedCode,
    role: &str,
    text: &str,
    error: mailflow_core::AddressError,
) -> Box<Diagnosis> {
    Box::new(Diagnosis::Local {
        reply_code,
        code,
        detail: format!("the {role} address {text:?} cannot be written safely: {error}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::{DsnEnvelope, DsnRecipient, MessageId};

    fn message(sender: &str, recipients: &[&str]) -> OutboundMessage {
        OutboundMessage {
            id: MessageId::new(),
            sender: sender.to_string(),
            dsn: DsnEnvelope::default(),
            recipients: recipients
                .iter()
                .map(|address| OutboundRecipient {
                    address: address.to_string(),
                    dsn: DsnRecipient::default(),
                })
                .collect(),
            body: crate::MessageBody::in_memory(&b"x\r\n"[..]),
        }
    }

    fn delivered() -> RecipientOutcome {
        RecipientOutcome::Delivered {
            reply: "250 ok".into(),
            server: "s".into(),
        }
    }

    #[test]
    fn an_address_queued_with_an_injection_is_failed_and_never_sent() {
        let message = message(
            "a@b.test",
            &[
                "ok@contoso.test",
                "v@ext.example> ORCPT=x@contoso.test",
                "two@contoso.test",
            ],
        );
        let addresses = WireAddresses::of(&message);
        let sendable: Vec<&str> = addresses
            .sendable(&message)
            .iter()
            .map(|(mailbox, _)| mailbox.as_str())
            .collect();
        assert_eq!(sendable, ["ok@contoso.test", "two@contoso.test"]);
        let outcomes = addresses.merge(vec![delivered(), delivered()]);
        assert_eq!(outcomes[0], delivered());
        assert_eq!(outcomes[2], delivered());
        let RecipientOutcome::Failed { diagnosis, .. } = &outcomes[1] else {
            panic!("{outcomes:?}")
        };
        assert_eq!(diagnosis.code(), EnhancedCode(5, 1, 3));
        assert!(diagnosis.is_permanent());
    }

    #[test]
    fn a_sender_that_cannot_be_written_fails_every_recipient() {
        let message = message("x> RET=FULL@b.test", &["ok@contoso.test"]);
        let addresses = WireAddresses::of(&message);
        assert!(addresses.sendable(&message).is_empty());
        let outcomes = addresses.merge(Vec::new());
        let RecipientOutcome::Failed { diagnosis, .. } = &outcomes[0] else {
            panic!("{outcomes:?}")
        };
        assert_eq!(diagnosis.code(), EnhancedCode(5, 1, 7));
    }

    #[test]
    fn the_null_sender_is_written_as_such() {
        let message = message("", &["ok@contoso.test"]);
        let addresses = WireAddresses::of(&message);
        assert_eq!(addresses.sender, Ok(None));
        assert_eq!(addresses.sendable(&message).len(), 1);
    }
}
