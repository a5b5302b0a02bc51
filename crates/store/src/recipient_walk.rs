//! Listings narrowed by a recipient's address or last error code, newest
//! first, read from the recipients' side: each back end walks its index
//! on the address or on the code, which holds the arrival time and the
//! message after the key, so the walk starts at the newest match and stops
//! after a page, joining each message once. Walking the messages newest
//! first instead tested every message younger than the matches, the whole
//! queue for a recipient or a code seen only at its start.

use crate::{MessageCursor, MessageFilter, TraceFilter};
use mailflow_core::RecipientState;
use time::OffsetDateTime;

/// What a listing asks of one recipient (all of it of the same one) and of
/// its message. It walks the address index when an address is given, else
/// the code index: one of the two must be.
#[derive(Default)]
pub struct RecipientWalk<'a> {
    pub address: Option<&'a str>,
    pub code: Option<&'a str>,
    pub state: Option<RecipientState>,
    pub connector: Option<&'a str>,
    pub org: Option<&'a str>,
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

impl<'a> RecipientWalk<'a> {
    /// The walk of a message listing, when it names a recipient or a code.
    pub fn of_listing(filter: &'a MessageFilter) -> Option<RecipientWalk<'a>> {
        RecipientWalk {
            address: filter.recipient.as_deref(),
            code: filter.code.as_deref(),
            state: filter.state,
            connector: filter.connector.as_deref(),
            org: None,
            sender: filter.sender.as_deref(),
            received_after: filter.received_after,
            received_before: filter.received_before,
            after: filter.after,
            limit: filter.limit,
        }
        .applies()
    }

    /// The walk of a trace, when it names a recipient and no message.
    pub fn of_trace(filter: &'a TraceFilter) -> Option<RecipientWalk<'a>> {
        if filter.message_id.is_some() || filter.message_id_header.is_some() {
            return None;
        }
        RecipientWalk {
            address: filter.recipient.as_deref(),
            state: filter.status,
            org: filter.org.as_deref(),
            sender: filter.sender.as_deref(),
            received_after: filter.since,
            received_before: filter.until,
            limit: filter.limit,
            ..RecipientWalk::default()
        }
        .applies()
    }

    /// The walk, if it has an index to walk.
    fn applies(self) -> Option<RecipientWalk<'a>> {
        (self.address.is_some() || self.code.is_some()).then_some(self)
    }
}
