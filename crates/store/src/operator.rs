//! The values of operator work: audit entries (who changed what, with the
//! state before and after, so that it can be undone) and the waiting
//! recipients an operator action or a fix can act on.

use mailflow_core::{MessageId, RecipientState};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One recorded operator action or fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Assigned by the store when the entry is appended (the value given to
    /// `append_audit` is ignored).
    pub id: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The organisation acted on; `None`: the cluster as a whole (a node
    /// drained, an organisation made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Who did it: a token's name, `cli`, or an operator's name.
    pub actor: String,
    /// What was done, e.g. `stop-relaying` or `suspend`.
    pub action: String,
    /// What it was done to, e.g. a connector's name or a fix id.
    pub target: String,
    /// The state before the action, as the action describes it.
    pub before: serde_json::Value,
    /// The state after the action.
    pub after: serde_json::Value,
    /// When the action was undone, if it was.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub undone_at: Option<OffsetDateTime>,
}

/// A recipient still waiting for delivery (`queued`, `deferred` or
/// `suspended`): what bounce-all and fixes can fail. Pages of them come in
/// (state, message, index) order; a page starts after the last one of the
/// page before (`PendingRecipient::cursor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRecipient {
    pub message_id: MessageId,
    pub index: u32,
    pub address: String,
    pub state: RecipientState,
    /// The connector carrying it.
    pub connector: Option<String>,
    /// The queue it waits in.
    pub next_hop: String,
}

impl PendingRecipient {
    /// Where the next page starts: after this recipient.
    pub fn cursor(&self) -> WaitingCursor {
        WaitingCursor {
            state: self.state,
            message_id: self.message_id,
            index: self.index,
        }
    }
}

/// A place in a connector's waiting recipients, in page order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitingCursor {
    pub state: RecipientState,
    pub message_id: MessageId,
    pub index: u32,
}

/// How many recipients of one connector wait in one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingCount {
    /// `None`: routed by MX, without a connector.
    pub connector: Option<String>,
    pub state: RecipientState,
    pub recipients: u64,
}
