//! Parsing a command line with `smtp_proto`, and saying precisely what was
//! wrong with it. `MAIL` and `RCPT` come out with their path read strictly
//! into a typed mailbox (see `path.rs`). Also reads the DSN parameters (RFC 3461) of `MAIL` and
//! `RCPT` into mailflow's own types, and names the parameters mailflow does
//! not offer, so the session can refuse them instead of ignoring them.

use super::Reply;
use super::path::{ForwardPath, PathError, ReversePath};
use mailflow_core::{DsnEnvelope, DsnRecipient, EnhancedCode, Notify, Ret};
use smtp_proto::{MailFrom, RcptTo, Request};

/// A command line, read.
#[derive(Debug, Clone)]
pub enum Command {
    /// `MAIL FROM`: the typed path, and the parameters. `from.address` is
    /// left empty: the path is the one reading of the address.
    Mail {
        sender: ReversePath,
        from: MailFrom<String>,
    },
    /// `RCPT TO`, the same way.
    Rcpt {
        recipient: ForwardPath,
        to: RcptTo<String>,
    },
    /// Every other command.
    Other(Request<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("command not recognized")]
    Unknown,
    #[error("command is not valid UTF-8")]
    NotUtf8,
    #[error("bad sender address syntax")]
    BadSender,
    #[error("bad recipient address syntax")]
    BadRecipient,
    /// `MAIL`'s path, read strictly, was refused.
    #[error("sender address refused: {0}")]
    Sender(PathError),
    /// `RCPT`'s path, read strictly, was refused.
    #[error("recipient address refused: {0}")]
    Recipient(PathError),
    #[error("syntax: {0}")]
    Syntax(&'static str),
    #[error("invalid value for the {0} parameter")]
    InvalidParameter(&'static str),
    #[error("parameter {0} is not supported")]
    UnsupportedParameter(String),
}

impl CommandError {
    /// `500 5.5.2` unknown or undecodable command, `501 5.1.7` / `501 5.1.3`
    /// bad sender / recipient address, `501 5.5.4` bad syntax or parameter
    /// value, `555 5.5.4` a parameter mailflow does not offer (RFC 5321 555).
    pub fn reply(&self) -> Reply {
        let text = self.to_string();
        match self {
            CommandError::Unknown | CommandError::NotUtf8 => {
                Reply::new(500, EnhancedCode(5, 5, 2), text)
            }
            CommandError::BadSender => Reply::new(501, EnhancedCode(5, 1, 7), text),
            CommandError::BadRecipient => Reply::new(501, EnhancedCode(5, 1, 3), text),
            // 553: well formed, but not a mailbox name mailflow carries.
            CommandError::Sender(PathError::Unsafe(_)) => {
                Reply::new(553, EnhancedCode(5, 1, 7), text)
            }
            CommandError::Recipient(PathError::Unsafe(_)) => {
                Reply::new(553, EnhancedCode(5, 1, 3), text)
            }
            CommandError::Sender(_) => Reply::new(501, EnhancedCode(5, 1, 7), text),
            CommandError::Recipient(_) => Reply::new(501, EnhancedCode(5, 1, 3), text),
            CommandError::Syntax(_) | CommandError::InvalidParameter(_) => {
                Reply::new(501, EnhancedCode(5, 5, 4), text)
            }
            CommandError::UnsupportedParameter(_) => Reply::new(555, EnhancedCode(5, 5, 4), text),
        }
    }
}

impl From<smtp_proto::Error> for CommandError {
    fn from(error: smtp_proto::Error) -> Self {
        use smtp_proto::Error as E;
        match error {
            E::UnknownCommand => CommandError::Unknown,
            E::InvalidSenderAddress => CommandError::BadSender,
            E::InvalidRecipientAddress => CommandError::BadRecipient,
            E::SyntaxError { syntax } => CommandError::Syntax(syntax),
            E::InvalidParameter { param } => CommandError::InvalidParameter(param),
            E::UnsupportedParameter { param } => CommandError::UnsupportedParameter(param),
            E::NeedsMoreData { .. } | E::ResponseTooLong | E::InvalidResponse { .. } => {
                CommandError::Syntax("incomplete command")
            }
        }
    }
}

/// Parses one command line (as returned by the reader, CRLF included).
pub fn parse_command(line: &[u8]) -> Result<Command, CommandError> {
    if std::str::from_utf8(line).is_err() {
        return Err(CommandError::NotUtf8);
    }
    Ok(match Request::parse(&mut line.iter())?.into_owned() {
        Request::Mail { mut from } => {
            let decoded = std::mem::take(&mut from.address);
            let sender = ReversePath::read(line, &decoded).map_err(CommandError::Sender)?;
            Command::Mail { sender, from }
        }
        Request::Rcpt { mut to } => {
            let decoded = std::mem::take(&mut to.address);
            let recipient = ForwardPath::read(line, &decoded).map_err(CommandError::Recipient)?;
            Command::Rcpt { recipient, to }
        }
        other => Command::Other(other),
    })
}

/// The message-wide DSN parameters of `MAIL FROM` (`RET`, `ENVID`).
pub fn mail_dsn(from: &MailFrom<String>) -> DsnEnvelope {
    let ret = if from.flags & smtp_proto::MAIL_RET_FULL != 0 {
        Some(Ret::Full)
    } else if from.flags & smtp_proto::MAIL_RET_HDRS != 0 {
        Some(Ret::Headers)
    } else {
        None
    };
    DsnEnvelope {
        ret,
        envid: from.env_id.clone(),
    }
}

/// The per-recipient DSN parameters of `RCPT TO` (`NOTIFY`, `ORCPT`).
pub fn rcpt_dsn(to: &RcptTo<String>) -> DsnRecipient {
    use smtp_proto::{
        RCPT_NOTIFY_DELAY, RCPT_NOTIFY_FAILURE, RCPT_NOTIFY_NEVER, RCPT_NOTIFY_SUCCESS,
    };
    let any = RCPT_NOTIFY_NEVER | RCPT_NOTIFY_SUCCESS | RCPT_NOTIFY_FAILURE | RCPT_NOTIFY_DELAY;
    let notify = (to.flags & any != 0).then_some(Notify {
        success: to.flags & RCPT_NOTIFY_SUCCESS != 0,
        failure: to.flags & RCPT_NOTIFY_FAILURE != 0,
        delay: to.flags & RCPT_NOTIFY_DELAY != 0,
    });
    let orcpt = to.orcpt.as_ref().map(|address| format!("rfc822;{address}"));
    DsnRecipient { notify, orcpt }
}

/// The first `MAIL FROM` parameter that mailflow does not advertise, if any.
/// Offered: `SIZE`, `BODY=7BIT`/`8BITMIME`, `SMTPUTF8`, `RET`, `ENVID`.
pub fn unsupported_mail_parameter(from: &MailFrom<String>) -> Option<&'static str> {
    use smtp_proto::*;
    let flagged = [
        (MAIL_BODY_BINARYMIME, "BODY=BINARYMIME"),
        (MAIL_REQUIRETLS, "REQUIRETLS"),
        (MAIL_CONPERM, "CONPERM"),
        (MAIL_BY_NOTIFY | MAIL_BY_RETURN | MAIL_BY_TRACE, "BY"),
    ];
    if let Some((_, name)) = flagged.iter().find(|(flag, _)| from.flags & flag != 0) {
        return Some(name);
    }
    let valued = [
        (from.by != 0, "BY"),
        (from.hold_for != 0, "HOLDFOR"),
        (from.hold_until != 0, "HOLDUNTIL"),
        (from.mtrk.is_some(), "MTRK"),
        (from.auth.is_some(), "AUTH"),
        (from.mt_priority != 0, "MT-PRIORITY"),
        (from.solicit.is_some(), "SOLICIT"),
        (from.trans_id.is_some(), "TRANSID"),
    ];
    valued
        .iter()
        .find(|(present, _)| *present)
        .map(|(_, name)| *name)
}

/// The first `RCPT TO` parameter that mailflow does not advertise, if any.
/// Offered: `NOTIFY`, `ORCPT`.
pub fn unsupported_rcpt_parameter(to: &RcptTo<String>) -> Option<&'static str> {
    use smtp_proto::{RCPT_CONNEG, RCPT_RRVS_CONTINUE, RCPT_RRVS_REJECT};
    if to.flags & (RCPT_RRVS_REJECT | RCPT_RRVS_CONTINUE) != 0 || to.rrvs != 0 {
        return Some("RRVS");
    }
    (to.flags & RCPT_CONNEG != 0).then_some("CONNEG")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail_path(line: &str) -> (ReversePath, MailFrom<String>) {
        match parse_command(line.as_bytes()).unwrap() {
            Command::Mail { sender, from } => (sender, from),
            other => panic!("not MAIL: {other:?}"),
        }
    }

    fn mail(line: &str) -> MailFrom<String> {
        mail_path(line).1
    }

    fn rcpt(line: &str) -> RcptTo<String> {
        match parse_command(line.as_bytes()).unwrap() {
            Command::Rcpt { to, .. } => to,
            other => panic!("not RCPT: {other:?}"),
        }
    }

    #[test]
    fn mail_parameters_are_read() {
        let from =
            mail("MAIL FROM:<a@b.test> SIZE=1000 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1\r\n");
        assert_eq!(from.size, 1000);
        assert_ne!(from.flags & smtp_proto::MAIL_BODY_8BITMIME, 0);
        assert_ne!(from.flags & smtp_proto::MAIL_SMTPUTF8, 0);
        assert_eq!(
            mail_dsn(&from),
            DsnEnvelope {
                ret: Some(Ret::Headers),
                envid: Some("QQ+1".into())
            }
        );
        assert_eq!(unsupported_mail_parameter(&from), None);
    }

    #[test]
    fn the_path_is_typed_and_the_untyped_address_left_empty() {
        let (sender, from) = mail_path("MAIL FROM:<a@b.test> SIZE=10\r\n");
        assert_eq!(sender.mailbox().map(|m| m.as_str()), Some("a@b.test"));
        assert_eq!(from.address, "");
        assert_eq!(mail_path("MAIL FROM:<>\r\n").0, ReversePath::Null);
    }

    #[test]
    fn addresses_that_cannot_be_carried_get_553_and_bad_syntax_501() {
        let reply = |line: &str| parse_command(line.as_bytes()).unwrap_err().reply();
        let injected = reply("RCPT TO:<\"v@ext.example> ORCPT=rfc822;x\"@contoso.test>\r\n");
        assert_eq!(
            (injected.code(), injected.enhanced()),
            (553, Some(EnhancedCode(5, 1, 3)))
        );
        let sender = reply("MAIL FROM:<\"a>b\"@outsider.example>\r\n");
        assert_eq!(
            (sender.code(), sender.enhanced()),
            (553, Some(EnhancedCode(5, 1, 7)))
        );
        let unbalanced = reply("RCPT TO:<a\"b\"@contoso.test>\r\n");
        assert_eq!(
            (unbalanced.code(), unbalanced.enhanced()),
            (501, Some(EnhancedCode(5, 1, 3)))
        );
    }

    #[test]
    fn rcpt_dsn_parameters_are_read() {
        let to = rcpt("RCPT TO:<c@d.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;C+40d.test\r\n");
        let dsn = rcpt_dsn(&to);
        assert_eq!(
            dsn.notify,
            Some(Notify {
                success: true,
                failure: true,
                delay: false
            })
        );
        assert_eq!(dsn.orcpt.as_deref(), Some("rfc822;C@d.test"));
        assert_eq!(
            rcpt_dsn(&rcpt("RCPT TO:<c@d.test> NOTIFY=NEVER\r\n")).notify,
            Some(Notify::NEVER)
        );
        assert_eq!(rcpt_dsn(&rcpt("RCPT TO:<c@d.test>\r\n")).notify, None);
    }

    #[test]
    fn parameters_not_offered_are_named() {
        let from = mail("MAIL FROM:<a@b.test> REQUIRETLS\r\n");
        assert_eq!(unsupported_mail_parameter(&from), Some("REQUIRETLS"));
        let err = parse_command(b"MAIL FROM:<a@b.test> XYZZY=1\r\n").unwrap_err();
        assert_eq!(err.reply().code(), 555);
    }

    #[test]
    fn errors_map_to_their_replies() {
        assert_eq!(
            parse_command(b"FROB\r\n").unwrap_err().reply().to_bytes(),
            b"500 5.5.2 command not recognized\r\n"
        );
        assert_eq!(
            parse_command(b"MAIL FROM:<a@@b>\r\n").unwrap_err(),
            CommandError::BadSender
        );
        assert_eq!(
            parse_command(b"RCPT TO:<a@@b>\r\n").unwrap_err(),
            CommandError::BadRecipient
        );
        assert_eq!(
            parse_command(b"MAIL TO:<a@b.test>\r\n")
                .unwrap_err()
                .reply()
                .code(),
            501
        );
        assert_eq!(
            parse_command(b"HELO \xff\r\n").unwrap_err(),
            CommandError::NotUtf8
        );
    }
}
