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
mod waiting;

pub use apply::{apply, undo, undoable_action};
pub use change::{SettingsPart, relay_domains};
pub use error::FixError;
pub use kind::FixKind;
pub use offer::{OfferedFix, offered, offers_stop_relaying};
pub use preview::{DomainChange, FixPreview, TlsChange, preview, words};
pub use record::FixState;
pub use waiting::WaitingMail;

use mailflow_relay::NodeHandle;

/// The fixes offered now on a running node: from the store's per-connector
/// queue statistics and counts of waiting recipients, against the settings
/// in force. Where stop relaying is offered, the connector's waiting
/// recipients are read page by page to count those it would bounce.
pub async fn offered_now(node: &NodeHandle) -> Result<Vec<OfferedFix>, FixError> {
    let (store, org_name, org) = (node.store(), node.org_name(), node.org());
    let stats = store.queue_stats(org_name).await?;
    let mut waiting = waiting::counts(store.as_ref(), org_name).await?;
    for stat in &stats {
        let Some(name) = stat.connector.as_deref() else {
            continue;
        };
        let diagnosis = stat.last_error.as_ref().map(|e| &e.diagnosis);
        if offers_stop_relaying(&org, name, diagnosis) {
            let domains = relay_domains(&org, name);
            let unknown =
                waiting::count_unknown(store.as_ref(), &org, org_name, name, &domains).await?;
            waiting.entry(name.to_string()).or_default().unknown = unknown;
        }
    }
    Ok(offered(&org, &stats, &waiting))
}
