//! The envelope of one transaction and the `MAIL FROM` / `RCPT TO` lines it
//! becomes, with the parameters the server's capabilities allow: `SIZE`,
//! `BODY=8BITMIME`, `SMTPUTF8`, and the DSN parameters (RFC 3461).
//!
//! Addresses are typed [`Mailbox`]es and go onto the wire only through
//! their encoder; parameter values only as xtext.

use super::capabilities::Capabilities;
use super::data::BodyInfo;
use mailflow_core::{DsnEnvelope, DsnRecipient, Mailbox, Notify, Ret};
use std::fmt::Write;

/// One transaction's envelope.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// `None` for the null sender.
    pub sender: Option<&'a Mailbox>,
    pub dsn: &'a DsnEnvelope,
    pub recipients: &'a [EnvelopeRecipient<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct EnvelopeRecipient<'a> {
    pub address: &'a Mailbox,
    pub dsn: &'a DsnRecipient,
}

impl Envelope<'_> {
    fn needs_smtputf8(&self) -> bool {
        self.sender
            .is_some_and(|sender| !sender.as_str().is_ascii())
            || self
                .recipients
                .iter()
                .any(|rcpt| !rcpt.address.as_str().is_ascii())
    }

    pub fn mail_command(&self, body: BodyInfo, offered: &Capabilities) -> String {
        let mut line = match self.sender {
            Some(sender) => format!("MAIL FROM:<{}>", sender.smtp()),
            None => "MAIL FROM:<>".to_string(),
        };
        if offered.size.is_some() {
            let _ = write!(line, " SIZE={}", body.size);
        }
        if offered.eight_bit_mime && body.eight_bit {
            line.push_str(" BODY=8BITMIME");
        }
        if offered.smtputf8 && self.needs_smtputf8() {
            line.push_str(" SMTPUTF8");
        }
        if offered.dsn {
            if let Some(ret) = self.dsn.ret {
                line.push_str(match ret {
                    Ret::Full => " RET=FULL",
                    Ret::Headers => " RET=HDRS",
                });
            }
            if let Some(envid) = &self.dsn.envid {
                let _ = write!(line, " ENVID={}", xtext(envid));
            }
        }
        line.push_str("\r\n");
        line
    }
}

impl EnvelopeRecipient<'_> {
    pub fn rcpt_command(&self, offered: &Capabilities) -> String {
        let mut line = format!("RCPT TO:<{}>", self.address.smtp());
        if offered.dsn {
            if let Some(notify) = self.dsn.notify {
                let _ = write!(line, " NOTIFY={}", notify_value(notify));
            }
            if let Some(orcpt) = &self.dsn.orcpt {
                // mailflow records every original recipient as `rfc822;…`.
                let address = orcpt.strip_prefix("rfc822;").unwrap_or(orcpt);
                let _ = write!(line, " ORCPT=rfc822;{}", xtext(address));
            }
        }
        line.push_str("\r\n");
        line
    }
}

fn notify_value(notify: Notify) -> String {
    let mut parts = Vec::new();
    if notify.success {
        parts.push("SUCCESS");
    }
    if notify.failure {
        parts.push("FAILURE");
    }
    if notify.delay {
        parts.push("DELAY");
    }
    if parts.is_empty() {
        "NEVER".to_string()
    } else {
        parts.join(",")
    }
}

/// RFC 3461 xtext: `+`, `=`, controls, space and non-ASCII become `+HH`;
/// so do `<`, `>`, `"` and `\`, which xtext allows but a careless reader of
/// the line could take for the end of a path or a quote.
fn xtext(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if (b'!'..=b'~').contains(&byte) && !b"+=<>\"\\".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "+{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(text: &str) -> Mailbox {
        Mailbox::parse(text).unwrap()
    }

    fn all_offered() -> Capabilities {
        Capabilities {
            pipelining: true,
            starttls: true,
            eight_bit_mime: true,
            smtputf8: true,
            dsn: true,
            enhanced_status_codes: true,
            size: Some(0),
        }
    }

    #[test]
    fn mail_from_carries_every_parameter_the_server_offers() {
        let dsn = DsnEnvelope {
            ret: Some(Ret::Headers),
            envid: Some("id+1=x".into()),
        };
        let envelope = Envelope {
            sender: Some(&mailbox("zoë@example.test")),
            dsn: &dsn,
            recipients: &[],
        };
        let line = envelope.mail_command(BodyInfo::of("héllo\r\n".as_bytes()), &all_offered());
        assert_eq!(
            line,
            "MAIL FROM:<zoë@example.test> SIZE=8 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id+2B1+3Dx\r\n"
        );
    }

    #[test]
    fn mail_from_stays_plain_when_nothing_is_offered() {
        let dsn = DsnEnvelope {
            ret: Some(Ret::Full),
            envid: None,
        };
        let envelope = Envelope {
            sender: None,
            dsn: &dsn,
            recipients: &[],
        };
        let line = envelope.mail_command(BodyInfo::of(b"x\r\n"), &Capabilities::default());
        assert_eq!(line, "MAIL FROM:<>\r\n");
    }

    #[test]
    fn rcpt_to_carries_notify_and_orcpt_when_dsn_is_offered() {
        let dsn = DsnRecipient {
            notify: Some(Notify {
                success: true,
                failure: true,
                delay: false,
            }),
            orcpt: Some("rfc822;bob@example.test".into()),
        };
        let bob = mailbox("bob@example.test");
        let rcpt = EnvelopeRecipient {
            address: &bob,
            dsn: &dsn,
        };
        assert_eq!(
            rcpt.rcpt_command(&all_offered()),
            "RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.test\r\n"
        );
        let never = DsnRecipient {
            notify: Some(Notify::NEVER),
            orcpt: None,
        };
        let rcpt = EnvelopeRecipient {
            address: &bob,
            dsn: &never,
        };
        assert_eq!(
            rcpt.rcpt_command(&all_offered()),
            "RCPT TO:<bob@example.test> NOTIFY=NEVER\r\n"
        );
        assert_eq!(
            rcpt.rcpt_command(&Capabilities::default()),
            "RCPT TO:<bob@example.test>\r\n"
        );
    }

    #[test]
    fn addresses_are_written_through_their_encoder_and_orcpt_as_xtext() {
        let dsn = DsnRecipient {
            notify: None,
            orcpt: Some("rfc822;v@ext.example> NOTIFY=SUCCESS".into()),
        };
        let quoted = mailbox("john smith@contoso.test");
        let rcpt = EnvelopeRecipient {
            address: &quoted,
            dsn: &dsn,
        };
        assert_eq!(
            rcpt.rcpt_command(&all_offered()),
            "RCPT TO:<\"john smith\"@contoso.test> ORCPT=rfc822;v@ext.example+3E+20NOTIFY+3DSUCCESS\r\n"
        );
        let sender = mailbox("a;b@contoso.test");
        let envelope = Envelope {
            sender: Some(&sender),
            dsn: &DsnEnvelope::default(),
            recipients: &[],
        };
        assert_eq!(
            envelope.mail_command(BodyInfo::of(b"x\r\n"), &Capabilities::default()),
            "MAIL FROM:<\"a;b\"@contoso.test>\r\n"
        );
    }
}
