//! The plain data a report is built from and the report that comes out.
//!
//! The scheduler fills a `ReportInput` from the store (the message, its
//! envelope, its recipients' last errors) and gets back the finished message
//! bytes. It sends them itself, from the null sender `<>`: the report's
//! envelope is not this crate's business, only its content is.

use crate::catalogue::Language;
use mailflow_core::{Diagnosis, EnhancedCode, MessageId, Ret};
use time::OffsetDateTime;

/// Which notice to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// The recipients will not be tried again (refused, or expired).
    Failure,
    /// The recipients are still queued and will be retried (a delay notice).
    Delay,
}

/// Who reads the report, and so how much of the relay's evidence it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// A sender in one of the organisation's accepted domains: everything,
    /// connector, servers tried, their replies and the attempt history.
    Organisation,
    /// Anyone else: the status code and the explanation in the relay's own
    /// words, nothing of the inside (connector names, internal servers and
    /// addresses, what those servers replied).
    Outside,
}

/// Everything needed to write one report about one message.
///
/// The report goes to `original_sender`; its envelope sender must be `<>`,
/// and the scheduler must never build a report for a message that itself
/// came from `<>` (a report never causes another report).
#[derive(Debug, Clone)]
pub struct ReportInput {
    /// This relay's host name: `Reporting-MTA`, `From: MAILER-DAEMON@…` and
    /// the report's Message-ID domain.
    pub reporting_mta: String,
    pub kind: ReportKind,
    /// The queue id of the message the report is about.
    pub original_id: MessageId,
    /// The envelope sender (`MAIL FROM`) of the original; the report's `To:`.
    pub original_sender: String,
    /// When the relay accepted the original.
    pub arrival: OffsetDateTime,
    /// `ENVID=` from the original's `MAIL FROM`, xtext-decoded.
    pub envid: Option<String>,
    /// `RET=` from the original's `MAIL FROM`.
    pub ret: Option<Ret>,
    /// The original message as stored (headers and body).
    pub original: Vec<u8>,
    /// The recipients the report is about (only those; delivered ones are left out).
    pub recipients: Vec<ReportRecipient>,
    /// The time the report is written (the `Date:` header).
    pub now: OffsetDateTime,
    /// For delay notices: when the relay stops trying (arrival + expiration).
    pub will_retry_until: Option<OffsetDateTime>,
    /// The largest original, in bytes, returned whole when `RET=FULL`;
    /// larger ones are returned as headers only.
    pub max_full_return: usize,
    pub audience: Audience,
}

/// One recipient of the original, as the report tells about it.
#[derive(Debug, Clone)]
pub struct ReportRecipient {
    /// The address the relay delivered to (`Final-Recipient`).
    pub address: String,
    /// `ORCPT=` as given on `RCPT TO`, decoded: `rfc822;alice@example.test`.
    pub orcpt: Option<String>,
    /// Why it failed or is delayed: the recipient's last error (for a
    /// failure after expiry: `Diagnosis::Expired` carrying the last error).
    pub diagnosis: Diagnosis,
    /// The server of the last attempt (`Remote-MTA`), when one was reached.
    pub remote_mta: Option<String>,
    pub last_attempt: Option<OffsetDateTime>,
    pub attempts: u32,
    /// The connector carrying the recipient; `None` for ordinary internet mail.
    pub connector: Option<String>,
    /// A short history of attempts, oldest first, for the administrators'
    /// section; may be empty. Only the latest few are shown.
    pub history: Vec<AttemptNote>,
}

/// One past attempt for the administrators' section.
#[derive(Debug, Clone)]
pub struct AttemptNote {
    pub at: OffsetDateTime,
    /// The server (host or address) tried.
    pub server: Option<String>,
    pub diagnosis: Diagnosis,
}

/// The `Action` of a recipient block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Failed,
    Delayed,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Failed => "failed",
            Action::Delayed => "delayed",
        }
    }

    pub(crate) fn of(kind: ReportKind) -> Action {
        match kind {
            ReportKind::Failure => Action::Failed,
            ReportKind::Delay => Action::Delayed,
        }
    }
}

/// What of the original went back to the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Returned {
    /// `text/rfc822-headers`: no `RET=FULL`, or a delay notice.
    Headers,
    /// `message/rfc822`: `RET=FULL` and small enough.
    FullMessage,
    /// `RET=FULL` was asked, but the original exceeded `max_full_return`.
    HeadersBecauseTooLarge,
}

/// The status the report gave one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedRecipient {
    pub address: String,
    pub action: Action,
    pub status: EnhancedCode,
}

/// A finished report, ready to be queued from `<>` to the original sender.
#[derive(Debug, Clone)]
pub struct BuiltReport {
    /// The report's own id (also in its Message-ID header).
    pub id: MessageId,
    /// The whole RFC 5322 message, CRLF line endings.
    pub bytes: Vec<u8>,
    /// One entry per recipient, in the order given.
    pub recipients: Vec<ReportedRecipient>,
    /// The language the human-readable part is written in.
    pub language: Language,
    pub returned: Returned,
}
