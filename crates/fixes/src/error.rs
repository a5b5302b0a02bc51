//! Why a fix could not be offered, applied or undone; each names the fix
//! id, the connector or the audit entry concerned.

use mailflow_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error("{id:?} is not a fix id (expected VERB:CONNECTOR, VERB one of {verbs})", verbs = crate::FixKind::VERBS.join(", "))]
    UnknownFix { id: String },
    #[error("fix {id}: the organisation has no connector named {connector:?}")]
    NoSuchConnector { id: String, connector: String },
    /// The fix does not apply to the settings as they are now.
    #[error("fix {id} does not apply: {reason}")]
    NotApplicable { id: String, reason: String },
    #[error("no audit entry with id {id}")]
    NoSuchAuditEntry { id: u64 },
    #[error("audit entry {id} was undone already")]
    AlreadyUndone { id: u64 },
    #[error("audit entry {id} ({action}) cannot be undone: {reason}")]
    NotUndoable {
        id: u64,
        action: String,
        reason: &'static str,
    },
    #[error("audit entry {id} is not readable: {reason}")]
    BadAuditEntry { id: u64, reason: String },
    #[error("the store failed: {0}")]
    Store(#[from] StoreError),
}
