//! Recipients failed for good outside a delivery attempt — on expiry, for
//! a lost body, by an operator — gathered for one `record` and one report:
//! each gets its update (failed, with its error), its event, and its line
//! in the report to the sender.

use crate::outcome::FailedRecipient;
use mailflow_core::{Event, EventKind, MessageId, RecipientState};
use mailflow_store::{LastError, RecipientUpdate};

/// Who fails: a recipient of a message, as the trace names it.
pub(crate) struct FailingRecipient<'a> {
    pub message_id: MessageId,
    pub index: u32,
    pub address: &'a str,
    pub next_hop: &'a str,
    pub connector: Option<&'a str>,
}

#[derive(Default)]
pub(crate) struct Failures {
    pub updates: Vec<RecipientUpdate>,
    pub events: Vec<Event>,
    pub failed: Vec<FailedRecipient>,
}

impl Failures {
    /// Fails `recipient` with `error`; its event is `kind` (a `Failed`
    /// event, or the operator's action).
    pub fn add(&mut self, recipient: FailingRecipient<'_>, error: LastError, kind: EventKind) {
        let at = error.at;
        self.updates.push(RecipientUpdate {
            message_id: recipient.message_id,
            index: recipient.index,
            state: RecipientState::Failed,
            attempts_added: 0,
            next_attempt_at: None,
            last_error: Some(error.clone()),
            delivered_reply: None,
            at,
        });
        self.events.push(Event {
            at,
            message_id: recipient.message_id,
            recipient: Some(recipient.address.to_string()),
            next_hop: Some(recipient.next_hop.to_string()),
            connector: recipient.connector.map(str::to_string),
            kind,
        });
        self.failed.push(FailedRecipient {
            index: recipient.index,
            error,
        });
    }

    /// Fails `recipient` with `error`, recorded as a `Failed` event.
    pub fn fail(&mut self, recipient: FailingRecipient<'_>, error: LastError) {
        let kind = EventKind::Failed {
            diagnosis: error.diagnosis.clone(),
        };
        self.add(recipient, error, kind);
    }

    pub fn is_empty(&self) -> bool {
        self.failed.is_empty()
    }
}
