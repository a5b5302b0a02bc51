//! Every change made through the API goes into the audit log: who, what,
//! to what, and the state before and after.

use crate::AdminState;
use crate::error::ApiError;
use mailflow_store::AuditEntry;

/// Appends one entry for a change `actor` made to `org` (`None`: to the
/// cluster as a whole); returns its id.
pub(crate) async fn record(
    state: &AdminState,
    org: Option<String>,
    actor: String,
    action: &str,
    target: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<u64, ApiError> {
    let entry = AuditEntry {
        id: 0,
        at: state.clock.now(),
        org,
        actor,
        action: action.to_string(),
        target: target.to_string(),
        before,
        after,
        undone_at: None,
    };
    Ok(state.store.append_audit(entry).await?)
}
