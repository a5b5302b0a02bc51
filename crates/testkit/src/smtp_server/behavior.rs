//! What the scripted SMTP server says, and where it misbehaves.
//!
//! A test builds one `SmtpBehavior` to describe a peer: its replies to each
//! command, what it offers in EHLO, and one optional `Fault` (close, reset
//! or fall silent at a chosen point). Each connection takes a snapshot of the
//! behaviour when it is accepted.

use rustls::ServerConfig;
use std::collections::HashMap;
use std::sync::Arc;

/// How the server treats STARTTLS.
#[derive(Clone, Default)]
pub enum StartTls {
    /// Not in the EHLO reply; the command gets `502`.
    #[default]
    NotOffered,
    /// Offered; the command gets `220` and a handshake with this configuration.
    Offered(Arc<ServerConfig>),
    /// Offered, and the command gets this reply instead of `220`.
    Refused(String),
}

/// Where in the conversation a fault strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// As soon as the connection is accepted, before any greeting.
    BeforeGreeting,
    /// After the greeting, on the next command (EHLO), before replying.
    AfterGreeting,
    /// After the EHLO reply, on the next command, before replying.
    AfterEhlo,
    /// After `220` to STARTTLS, instead of the handshake.
    DuringTls,
    /// After the MAIL reply, on the next command, before replying.
    AfterMail,
    /// After a RCPT reply, on the next command, before replying.
    AfterRcpt,
    /// After `354` and the first line of message data.
    DuringData,
    /// After the whole message (recorded), instead of the final reply.
    AfterFinalDot,
}

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    /// Closes the connection (FIN).
    Close,
    /// Resets the connection (RST).
    Reset,
    /// Stops answering; the connection stays open until the server stops.
    Hang,
}

/// One misbehaviour: `action` at `point` of the transaction numbered
/// `transaction` (0 = the first message of a connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub point: FaultPoint,
    pub action: FaultAction,
    pub transaction: usize,
}

/// The script of the SMTP server. Replies are whole reply lines without the
/// final CRLF; a multi-line reply separates its lines with `\r\n`.
#[derive(Clone)]
pub struct SmtpBehavior {
    pub(crate) hostname: String,
    pub(crate) greeting: String,
    pub(crate) ehlo_reject: Option<String>,
    pub(crate) helo_reject: Option<String>,
    pub(crate) starttls: StartTls,
    pub(crate) pipelining: bool,
    pub(crate) extensions: Vec<String>,
    pub(crate) mail_reply: String,
    pub(crate) rcpt_replies: HashMap<String, String>,
    pub(crate) rcpt_reply: String,
    pub(crate) data_reply: String,
    pub(crate) final_reply: String,
    pub(crate) final_replies: HashMap<usize, String>,
    pub(crate) fault: Option<Fault>,
    /// Message lines longer than this (in bytes, without the line end)
    /// make the server drop the connection with this action.
    pub(crate) longest_data_line: Option<(usize, FaultAction)>,
}

impl Default for SmtpBehavior {
    fn default() -> Self {
        SmtpBehavior {
            hostname: "mx.test".into(),
            greeting: "220 mx.test ESMTP mailflow testkit".into(),
            ehlo_reject: None,
            helo_reject: None,
            starttls: StartTls::NotOffered,
            pipelining: false,
            extensions: vec!["ENHANCEDSTATUSCODES".into(), "8BITMIME".into()],
            mail_reply: "250 2.1.0 Sender OK".into(),
            rcpt_replies: HashMap::new(),
            rcpt_reply: "250 2.1.5 Recipient OK".into(),
            data_reply: "354 Start mail input; end with <CRLF>.<CRLF>".into(),
            final_reply: "250 2.0.0 Queued".into(),
            final_replies: HashMap::new(),
            fault: None,
            longest_data_line: None,
        }
    }
}

impl SmtpBehavior {
    pub fn new() -> Self {
        Self::default()
    }

    /// The name in the EHLO and HELO replies.
    pub fn hostname(mut self, hostname: &str) -> Self {
        self.hostname = hostname.into();
        self
    }

    /// The greeting, e.g. `421 4.3.2 busy` or `554 go away`.
    pub fn greeting(mut self, reply: &str) -> Self {
        self.greeting = reply.into();
        self
    }

    /// Answers EHLO with this reply instead of accepting it.
    pub fn reject_ehlo(mut self, reply: &str) -> Self {
        self.ehlo_reject = Some(reply.into());
        self
    }

    /// Answers HELO with this reply instead of accepting it.
    pub fn reject_helo(mut self, reply: &str) -> Self {
        self.helo_reject = Some(reply.into());
        self
    }

    /// Offers STARTTLS and shakes hands with this configuration.
    pub fn starttls(mut self, config: Arc<ServerConfig>) -> Self {
        self.starttls = StartTls::Offered(config);
        self
    }

    /// Offers STARTTLS and answers the command with this reply.
    pub fn refuse_starttls(mut self, reply: &str) -> Self {
        self.starttls = StartTls::Refused(reply.into());
        self
    }

    pub fn pipelining(mut self, offered: bool) -> Self {
        self.pipelining = offered;
        self
    }

    /// Another EHLO keyword line, e.g. `SIZE 10240000` or `SMTPUTF8`.
    pub fn extension(mut self, keyword: &str) -> Self {
        self.extensions.push(keyword.into());
        self
    }

    pub fn mail_reply(mut self, reply: &str) -> Self {
        self.mail_reply = reply.into();
        self
    }

    /// The reply to RCPT for one address (compared case-insensitively).
    pub fn rcpt_reply_for(mut self, address: &str, reply: &str) -> Self {
        self.rcpt_replies
            .insert(address.to_ascii_lowercase(), reply.into());
        self
    }

    /// The reply to RCPT for every address without its own.
    pub fn rcpt_reply(mut self, reply: &str) -> Self {
        self.rcpt_reply = reply.into();
        self
    }

    /// The reply to DATA; anything but `354` ends the transaction there.
    pub fn data_reply(mut self, reply: &str) -> Self {
        self.data_reply = reply.into();
        self
    }

    /// The reply after the final dot.
    pub fn final_reply(mut self, reply: &str) -> Self {
        self.final_reply = reply.into();
        self
    }

    /// The reply after the final dot of one transaction of a connection
    /// (0 = the first message).
    pub fn final_reply_for(mut self, transaction: usize, reply: &str) -> Self {
        self.final_replies.insert(transaction, reply.into());
        self
    }

    /// Misbehaves at `point` of the first transaction of every connection.
    pub fn fault(self, point: FaultPoint, action: FaultAction) -> Self {
        self.fault_in(point, action, 0)
    }

    /// Misbehaves at `point` of the given transaction of every connection.
    pub fn fault_in(mut self, point: FaultPoint, action: FaultAction, transaction: usize) -> Self {
        self.fault = Some(Fault {
            point,
            action,
            transaction,
        });
        self
    }

    /// Refuses to read a message line longer than `limit` bytes: when one
    /// arrives in DATA, the connection is dropped with `action`, whichever
    /// transaction it is. Other messages are taken as usual.
    pub fn drop_on_data_line_longer_than(mut self, limit: usize, action: FaultAction) -> Self {
        self.longest_data_line = Some((limit, action));
        self
    }

    /// No misbehaviour.
    pub fn no_fault(mut self) -> Self {
        self.fault = None;
        self
    }

    pub(crate) fn rcpt_reply_to(&self, address: &str) -> &str {
        self.rcpt_replies
            .get(&address.to_ascii_lowercase())
            .unwrap_or(&self.rcpt_reply)
    }

    pub(crate) fn final_reply_to(&self, transaction: usize) -> &str {
        self.final_replies
            .get(&transaction)
            .unwrap_or(&self.final_reply)
    }

    /// The fault, if it strikes at `point` of `transaction`.
    pub(crate) fn fault_at(&self, point: FaultPoint, transaction: usize) -> Option<FaultAction> {
        self.fault
            .filter(|fault| fault.point == point && fault.transaction == transaction)
            .map(|fault| fault.action)
    }

    /// The lines of a successful EHLO reply.
    pub(crate) fn ehlo_lines(&self, tls_active: bool) -> Vec<String> {
        let mut lines = vec![self.hostname.clone()];
        if self.pipelining {
            lines.push("PIPELINING".into());
        }
        if !tls_active && !matches!(self.starttls, StartTls::NotOffered) {
            lines.push("STARTTLS".into());
        }
        lines.extend(self.extensions.iter().cloned());
        lines
    }
}
