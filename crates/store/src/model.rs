//! The values that go in and out of the store.

use mailflow_core::{
    Diagnosis, DsnEnvelope, DsnRecipient, MessageBytes, MessageId, RecipientState, Route,
    RouteReason,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A message the receiver has accepted, ready to be made durable.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub id: MessageId,
    pub org: String,
    /// The envelope sender; empty for the null sender `<>`.
    pub sender: String,
    /// Who handed the message over (the SMTP client's address, or `local`
    /// for reports the relay writes itself), for the trace.
    pub client: String,
    pub received_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub dsn: DsnEnvelope,
    /// The message's `Message-ID:` header, without its angle brackets, for
    /// the trace; `None` when it has none.
    pub message_id_header: Option<String>,
    /// The whole message as it will be sent on, `Received:` header included,
    /// with CRLF line endings and no dot-stuffing.
    /// In chunks, written out as they are (see `MessageBytes`).
    pub body: MessageBytes,
    pub recipients: Vec<NewRecipient>,
}

#[derive(Debug, Clone)]
pub struct NewRecipient {
    pub address: String,
    pub dsn: DsnRecipient,
    pub route: Route,
    pub next_hop: String,
    /// Why the receiver chose the route; recorded as the recipient's
    /// `routed` event in the trace. `None`: no such event.
    pub reason: Option<RouteReason>,
}

/// The diagnosis of a recipient's latest failed attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastError {
    pub diagnosis: Diagnosis,
    /// The server (`ip:port`, or the name when it did not resolve) the
    /// diagnosis came from.
    pub server: Option<String>,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecipient {
    /// Position among the message's recipients; with the message id, the
    /// recipient's identity.
    pub index: u32,
    pub address: String,
    pub dsn: DsnRecipient,
    pub route: Route,
    pub next_hop: String,
    pub state: RecipientState,
    /// Attempts made so far.
    pub attempts: u32,
    pub next_attempt_at: Option<OffsetDateTime>,
    pub last_error: Option<LastError>,
    /// The server's reply when delivered.
    pub delivered_reply: Option<String>,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: MessageId,
    pub org: String,
    pub sender: String,
    pub received_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub dsn: DsnEnvelope,
    /// The `Message-ID:` header, without its angle brackets.
    pub message_id_header: Option<String>,
    pub size: u64,
    pub delay_notice_sent: bool,
    pub recipients: Vec<StoredRecipient>,
}

/// Recipients of one message that failed for good and still owe their
/// sender the report (see `Store::reports_owed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwedReport {
    pub message_id: MessageId,
    /// The recipients' indexes, in order.
    pub indexes: Vec<u32>,
}

/// A next hop with work due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueNextHop {
    pub next_hop: String,
    /// Due recipients, counted up to the `max_count` asked for.
    pub due_recipients: u64,
    /// An expired hold is still there: the next connection is a probe.
    pub hold: Option<NextHopHold>,
}

/// What the scheduler learns at a wake-up (see `Store::schedule`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schedule {
    /// Next hops with work due now.
    pub due: Vec<DueNextHop>,
    /// The earliest time at which some next hop has work: a waiting
    /// recipient's due time, or its hop's hold end when later.
    pub next_attempt: Option<OffsetDateTime>,
}

/// A whole next hop waiting after connection-level failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextHopHold {
    pub next_hop: String,
    pub until: OffsetDateTime,
    /// Consecutive connection-level failures, to pick the next interval.
    pub failures: u32,
    pub diagnosis: Diagnosis,
}

/// A message claimed for delivery: the recipients of it that were due on
/// the next hop, now `in_flight`.
#[derive(Debug, Clone)]
pub struct ClaimedMessage {
    pub id: MessageId,
    pub org: String,
    pub sender: String,
    pub received_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub dsn: DsnEnvelope,
    pub size: u64,
    pub recipients: Vec<ClaimedRecipient>,
}

#[derive(Debug, Clone)]
pub struct ClaimedRecipient {
    pub index: u32,
    pub address: String,
    pub dsn: DsnRecipient,
    pub route: Route,
    pub attempts: u32,
    /// Its last attempt broke off while the message's data was being sent
    /// (or its final reply awaited): the message goes after the others.
    pub last_dropped_in_data: bool,
}

/// A change of one recipient's state, written by the scheduler.
#[derive(Debug, Clone)]
pub struct RecipientUpdate {
    pub message_id: MessageId,
    pub index: u32,
    pub state: RecipientState,
    /// Adds to the recipient's attempt count (1 for an attempt, 0 for an
    /// operator action or a release back to the queue).
    pub attempts_added: u32,
    pub next_attempt_at: Option<OffsetDateTime>,
    /// Replaces the last error when `Some`.
    pub last_error: Option<LastError>,
    pub delivered_reply: Option<String>,
    pub at: OffsetDateTime,
}

/// Which messages to list. Every field narrows the list.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    /// The organisation whose messages these are.
    pub org: Option<String>,
    pub state: Option<RecipientState>,
    /// A connector name.
    pub connector: Option<String>,
    /// An enhanced code of the recipients' last error, e.g. `4.4.316`.
    pub code: Option<String>,
    /// The envelope sender, exactly but for ASCII case.
    pub sender: Option<String>,
    /// A recipient address, exactly but for ASCII case.
    pub recipient: Option<String>,
    /// Received before this time (older than an age).
    pub received_before: Option<OffsetDateTime>,
    /// Received at or after this time (newer than an age).
    pub received_after: Option<OffsetDateTime>,
    /// Only messages after this one in list order (newest first): the
    /// cursor of the page before.
    pub after: Option<MessageCursor>,
    /// At most this many messages; 0 is no limit.
    pub limit: usize,
}

/// A place in the message list, which runs newest first: the last message
/// of a page, from which the next page goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageCursor {
    pub received_at: OffsetDateTime,
    pub id: MessageId,
}

impl MessageCursor {
    pub fn of(message: &StoredMessage) -> MessageCursor {
        MessageCursor {
            received_at: message.received_at,
            id: message.id,
        }
    }
}

impl std::fmt::Display for MessageCursor {
    /// `<nanoseconds since the epoch>-<message id>`: opaque to clients.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.received_at.unix_timestamp_nanos(), self.id)
    }
}

impl std::str::FromStr for MessageCursor {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        let (nanos, id) = text.rsplit_once('-').ok_or(())?;
        let nanos: i128 = nanos.parse().map_err(|_| ())?;
        Ok(MessageCursor {
            received_at: OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| ())?,
            id: id.parse().map_err(|_| ())?,
        })
    }
}

/// One connector's pending part of the queue (`None`: MX routing without a
/// connector), for insights and alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorQueueStats {
    pub connector: Option<String>,
    /// Pending recipients: queued, deferred, in flight or suspended.
    pub queued: u64,
    /// When the oldest pending message arrived.
    pub oldest_received_at: Option<OffsetDateTime>,
    /// Pending recipients by their last error's enhanced code, most first;
    /// recipients not tried yet are not counted here.
    pub by_code: Vec<(String, u64)>,
    /// The most recent last error among the pending recipients.
    pub last_error: Option<LastError>,
    /// The next hop of the recipient that had `last_error`.
    pub last_next_hop: Option<String>,
    /// Waiting messages whose last attempt made the server drop the
    /// connection during their data (a few at most, most recent first),
    /// each with how many of its recipients wait so.
    pub data_drop_messages: Vec<(MessageId, u64)>,
}
