//! The lost bodies' alert: the relay opens it (one per connector) when it
//! fails messages whose bodies the store has lost, and counts each further
//! loss into it. Here it is told about like any other alert, and resolved
//! once `QUIET` has passed without another loss: nothing drains it, and an
//! administrator who acknowledged it still wants to hear of the next loss.

use crate::AlertContext;
use crate::evaluate::AlertChange;
use mailflow_store::{Alert, AlertRule, Result};
use std::time::Duration;
use time::OffsetDateTime;

/// How long the alert stays open after the latest loss.
pub const QUIET: Duration = Duration::from_secs(24 * 60 * 60);

/// The changes of the open lost-body alerts in `open`: a new one is told
/// as opened, a count that grew since the last notice as updated, one
/// quiet for `QUIET` is resolved.
pub async fn evaluate(
    ctx: &AlertContext,
    open: &[Alert],
    now: OffsetDateTime,
) -> Result<Vec<AlertChange>> {
    let mut changes = Vec::new();
    for alert in open.iter().filter(|a| a.rule == AlertRule::LostBodies) {
        if now - alert.updated_at >= QUIET {
            if let Some(resolved) = ctx.store.resolve_alert(alert.id, now).await? {
                changes.push(AlertChange::Resolved(resolved));
            }
            continue;
        }
        match alert.notified_at {
            None => changes.push(AlertChange::Opened(alert.clone())),
            Some(told) if alert.updated_at > told => {
                changes.push(AlertChange::Updated(alert.clone()));
            }
            Some(_) => {}
        }
    }
    Ok(changes)
}
