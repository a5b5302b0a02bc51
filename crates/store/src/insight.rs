//! The values behind mail flow intelligence: outcome counts per connector,
//! the per-minute history of a connector's queue, and the message trace.

use crate::StoredMessage;
use mailflow_core::{Event, MessageId, RecipientState};
use time::OffsetDateTime;

/// Outcomes of delivery attempts of one connector in a time window, counted
/// per recipient: each recipient an attempt carried counts once, as a
/// success (delivered) or a failure (deferred or failed by the attempt).
/// Expiry (`4.4.7`) and operator actions are not attempts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    pub attempts: u64,
    pub successes: u64,
    /// Failures by enhanced code, most first.
    pub failures_by_code: Vec<(String, u64)>,
    pub last_success_at: Option<OffsetDateTime>,
    pub last_failure_at: Option<OffsetDateTime>,
}

impl DeliveryStats {
    pub fn failures(&self) -> u64 {
        self.attempts - self.successes
    }
}

/// One connector's queue at one minute: what the console draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryBucket {
    pub org: String,
    /// `None`: MX routing without a connector.
    pub connector: Option<String>,
    /// The start of the minute.
    pub minute: OffsetDateTime,
    /// Pending recipients when the minute was sampled.
    pub queued: u64,
    /// Failed attempts during the minute, by enhanced code.
    pub failures: Vec<(String, u64)>,
}

/// Which messages to trace. Every field given narrows the search; the
/// recipient and the status apply to the same recipient.
#[derive(Debug, Clone, Default)]
pub struct TraceFilter {
    /// Only this organisation's messages.
    pub org: Option<String>,
    pub message_id: Option<MessageId>,
    /// The message's `Message-ID:` header, without its angle brackets.
    pub message_id_header: Option<String>,
    /// The envelope sender, exactly but for ASCII case.
    pub sender: Option<String>,
    /// A recipient address, exactly but for ASCII case.
    pub recipient: Option<String>,
    /// Received at or after.
    pub since: Option<OffsetDateTime>,
    /// Received before.
    pub until: Option<OffsetDateTime>,
    /// A recipient's state now.
    pub status: Option<RecipientState>,
    /// At most this many messages, newest first; 0 is no limit.
    pub limit: usize,
}

/// A message and everything that happened to it, oldest event first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedMessage {
    pub message: StoredMessage,
    pub events: Vec<Event>,
}
