//! The envelope of one transaction and the `MAIL FROM` / `RCPT TO` lines it
//! becomes, with the parameters the server's capabilities allow: `SIZE`,
//! `BODY=8BITMIME`, `SMTPUTF8`, and the DSN parameters (RFC 3461).

use super::capabilities::Capabilities;
use super::data::BodyInfo;
use mailflow_core::{DsnEnvelope, DsnRecipient, Notify, Ret};
use std::fmt::Write;

/// One transaction's envelope.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// Empty for the null sender.
    pub sender: &'a str,
    pub dsn: &'a DsnEnvelope,
    pub recipients: &'a [EnvelopeRecipient<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct EnvelopeRecipient<'a> {
    pub address: &'a str,
    pub dsn: &'a DsnRecipient,
}

impl Envelope<'_> {
    fn needs_smtputf8(&self) -> bool {
        !self.sender.is_ascii() || self.recipients.iter().any(|rcpt| !rcpt.address.is_ascii())
    }

    pub fn mail_command(&self, body: BodyInfo, offered: &Capabilities) -> String {
        let mut line = format!("MAIL FROM:<{}>", self.sender);
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
        let mut line = format!("RCPT TO:<{}>", self.address);
        if offered.dsn {
            if let Some(notify) = self.dsn.notify {
                let _ = write!(line, " NOTIFY={}", notify_value(notify));
            }
            if let Some(orcpt) = &self.dsn.orcpt {
                let (kind, address) = orcpt.split_once(';').unwrap_or(("rfc822", orcpt));
                let _ = write!(line, " ORCPT={kind};{}", xtext(address));
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

/// RFC 3461 xtext: `+`, `=`, controls, space and non-ASCII become `+HH`.
fn xtext(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if (b'!'..=b'~').contains(&byte) && byte != b'+' && byte != b'=' {
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
            sender: "zoë@example.test",
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
            sender: "",
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
        let rcpt = EnvelopeRecipient {
            address: "bob@example.test",
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
            address: "bob@example.test",
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
}
