//! The values of queue operations on chosen messages and recipients (retry,
//! suspend, resume, delete; bounce goes through the relay, which sends the
//! reports): which pending recipients a selection picks, and what is done
//! to them.

use crate::PendingRecipient;
use mailflow_core::{MessageId, RecipientState};
use time::OffsetDateTime;

/// Which pending recipients (queued, deferred, suspended or in flight) an
/// operation is for, in one organisation. Every field given narrows it; the
/// recipient fields apply to each recipient on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueSelection {
    pub org: String,
    /// One message.
    pub message: Option<MessageId>,
    /// A recipient address, exactly but for ASCII case.
    pub recipient: Option<String>,
    pub connector: Option<ConnectorChoice>,
    /// The queue the recipients wait in, e.g. `to-onprem` or `mx/fabrikam.test`.
    pub next_hop: Option<String>,
    /// The enhanced code of the recipients' last error, e.g. `4.4.316`.
    pub code: Option<String>,
    pub state: Option<RecipientState>,
    /// The envelope sender, exactly but for ASCII case.
    pub sender: Option<String>,
    /// Received before.
    pub received_before: Option<OffsetDateTime>,
    /// Received at or after.
    pub received_after: Option<OffsetDateTime>,
}

/// Recipients of one connector, or those routed by MX without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectorChoice {
    Named(String),
    Mx,
}

/// One message's recipients that a selection picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedMessage {
    pub id: MessageId,
    /// In index order; in flight ones included, for the operation to
    /// report as left alone.
    pub recipients: Vec<PendingRecipient>,
}

/// What an operator does to chosen recipients through the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueAction {
    /// Due now, the holds of their next hops lifted.
    Retry,
    /// Out of the scheduler's sight until resumed.
    Suspend,
    /// Suspended ones due again.
    Resume,
    /// Removed, with no report to the sender; a message left with no
    /// recipient goes too.
    Delete,
}

impl QueueAction {
    /// The name in operator events and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueAction::Retry => "retry now",
            QueueAction::Suspend => "suspend",
            QueueAction::Resume => "resume",
            QueueAction::Delete => "delete",
        }
    }

    /// Whether the action changes a recipient in `state`. In-flight
    /// recipients are left to their attempt by every action.
    pub fn applies_to(self, state: RecipientState) -> bool {
        use RecipientState::{Deferred, Queued, Suspended};
        match self {
            QueueAction::Retry | QueueAction::Suspend => matches!(state, Queued | Deferred),
            QueueAction::Resume => state == Suspended,
            QueueAction::Delete => matches!(state, Queued | Deferred | Suspended),
        }
    }
}
