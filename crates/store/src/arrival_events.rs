//! The events a message's trace starts with, written in the transaction
//! that accepts it, whichever back end keeps it.

use crate::NewMessage;
use mailflow_core::{Event, EventKind};

impl NewMessage {
    /// `received`, then a `routed` event for each recipient the receiver
    /// routed.
    pub(crate) fn arrival_events(&self) -> impl Iterator<Item = Event> + '_ {
        std::iter::once(received_event(self)).chain(routed_events(self))
    }
}

/// Where each recipient was routed at receive, and why: the trace's line
/// after `received`.
fn routed_events(message: &NewMessage) -> impl Iterator<Item = Event> + '_ {
    message.recipients.iter().filter_map(move |recipient| {
        Some(Event {
            at: message.received_at,
            message_id: message.id,
            recipient: Some(recipient.address.clone()),
            next_hop: Some(recipient.next_hop.clone()),
            connector: recipient.route.connector.clone(),
            kind: EventKind::Routed {
                reason: recipient.reason.clone()?,
            },
        })
    })
}

/// The trace's first line: who handed the message over, and what it was.
fn received_event(message: &NewMessage) -> Event {
    Event {
        at: message.received_at,
        message_id: message.id,
        recipient: None,
        next_hop: None,
        connector: None,
        kind: EventKind::Received {
            sender: message.sender.clone(),
            recipients: message.recipients.len(),
            size: u64::try_from(message.body.len()).unwrap_or(u64::MAX),
            client: message.client.clone(),
        },
    }
}
