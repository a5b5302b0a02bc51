//! What a listing or a trace asks of the messages and of one of their
//! recipients, whichever back end answers.
//!
//! Narrowed by a recipient's address or last error code (and no message
//! named), the answer is read from the recipients' side, newest first:
//! each back end walks its index on the address or on the code, which
//! holds the arrival time and the message after the key, so the walk
//! starts at the newest match and stops after a page, joining each
//! message once. Walking the messages newest first instead tested every
//! message younger than the matches, the whole queue for a recipient or a
//! code seen only at its start.

use crate::{MessageCursor, MessageFilter, TraceFilter};
use mailflow_core::{MessageId, RecipientState};
use time::OffsetDateTime;

/// Every field given narrows; those of a recipient apply to one and the
/// same recipient.
#[derive(Default)]
pub struct MessageQuery<'a> {
    pub id: Option<MessageId>,
    /// The `Message-ID:` header.
    pub header: Option<&'a str>,
    /// A recipient's address, exactly but for ASCII case.
    pub address: Option<&'a str>,
    /// A recipient's last error code.
    pub code: Option<&'a str>,
    pub state: Option<RecipientState>,
    pub connector: Option<&'a str>,
    pub org: Option<&'a str>,
    /// The sender, exactly but for ASCII case.
    pub sender: Option<&'a str>,
    /// Received at or after.
    pub received_after: Option<OffsetDateTime>,
    /// Received before.
    pub received_before: Option<OffsetDateTime>,
    /// The page goes on after this message, newest first.
    pub after: Option<MessageCursor>,
    /// 0: no limit.
    pub limit: usize,
}

impl<'a> MessageQuery<'a> {
    pub fn of_listing(filter: &'a MessageFilter) -> MessageQuery<'a> {
        MessageQuery {
            address: filter.recipient.as_deref(),
            code: filter.code.as_deref(),
            state: filter.state,
            connector: filter.connector.as_deref(),
            org: filter.org.as_deref(),
            sender: filter.sender.as_deref(),
            received_after: filter.received_after,
            received_before: filter.received_before,
            after: filter.after,
            limit: filter.limit,
            ..MessageQuery::default()
        }
    }

    pub fn of_trace(filter: &'a TraceFilter) -> MessageQuery<'a> {
        MessageQuery {
            id: filter.message_id,
            header: filter.message_id_header.as_deref(),
            address: filter.recipient.as_deref(),
            state: filter.status,
            org: filter.org.as_deref(),
            sender: filter.sender.as_deref(),
            received_after: filter.since,
            received_before: filter.until,
            limit: filter.limit,
            ..MessageQuery::default()
        }
    }

    /// Whether the answer is walked from the recipients' side: an address
    /// or a code is given, and no message is named.
    pub fn walks_recipients(&self) -> bool {
        self.id.is_none()
            && self.header.is_none()
            && (self.address.is_some() || self.code.is_some())
    }
}
