//! Fix actions and operator queue actions (SPEC 4, "Fix actions").
//!
//! Where a connector's last error says what the cure is, a fix is offered
//! with a preview of its effect; applying it changes the organisation's
//! settings on the running node (saved first, in force at once) or acts on
//! the connector's queue, and records who did what, before and after, in the
//! audit log; undo puts the recorded "before" back.

mod apply;
mod change;
mod error;
mod kind;
mod offer;
mod preview;
mod record;

pub use apply::{apply, undo};
pub use change::{SettingsPart, relay_domains};
pub use error::FixError;
pub use kind::FixKind;
pub use offer::{OfferedFix, offered};
pub use preview::{DomainChange, FixPreview, TlsChange, preview};
pub use record::FixState;

use mailflow_relay::NodeHandle;

/// The fixes offered now on a running node: from the store's per-connector
/// queue statistics and waiting recipients, against the settings in force.
pub async fn offered_now(node: &NodeHandle) -> Result<Vec<OfferedFix>, FixError> {
    let store = node.store();
    let stats = store.queue_stats(node.org_name()).await?;
    let waiting = store.pending_recipients(node.org_name(), None, 0).await?;
    Ok(offered(&node.org(), &stats, &waiting))
}
