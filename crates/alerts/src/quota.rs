//! The invalid-recipient quota's alert: open while the organisation has had
//! more recipients refused as unknown in the last hour than its
//! `invalid_recipient_quota`, resolved once the count is back within it.
//! (The receiver itself answers the sources with `450 4.7.1`.)

use crate::AlertContext;
use crate::evaluate::AlertChange;
use mailflow_receive::QUOTA_WINDOW;
use mailflow_store::{
    AlertObservation, AlertRule, AlertSettings, AlertStateFilter, AlertValues, Result,
};
use time::OffsetDateTime;

/// The code the quota's alert carries: the refusal it counts.
pub const UNKNOWN_RECIPIENT_CODE: &str = "5.1.10";

pub async fn evaluate_quota(
    ctx: &AlertContext,
    settings: &AlertSettings,
    now: OffsetDateTime,
) -> Result<Vec<AlertChange>> {
    ctx.store
        .prune_invalid_recipients(now - QUOTA_WINDOW)
        .await?;
    let sources = ctx
        .store
        .invalid_recipients_since(&ctx.org, now - QUOTA_WINDOW)
        .await?;
    let total: u64 = sources.iter().map(|s| s.count).sum();
    let over = settings
        .invalid_recipient_quota
        .is_some_and(|quota| total > quota);
    if over {
        let observed = ctx
            .store
            .observe_alert(AlertObservation {
                org: ctx.org.clone(),
                connector: None,
                code: UNKNOWN_RECIPIENT_CODE.to_string(),
                rule: AlertRule::InvalidRecipients,
                values: AlertValues {
                    invalid_recipients: total,
                    sources: sources.into_iter().map(|s| s.client).collect(),
                    ..AlertValues::default()
                },
                at: now,
            })
            .await?;
        let change = match observed.opened {
            true => AlertChange::Opened(observed.alert),
            false => AlertChange::Updated(observed.alert),
        };
        return Ok(vec![change]);
    }
    let open = ctx
        .store
        .list_alerts(&ctx.org, AlertStateFilter::Open)
        .await?;
    let mut changes = Vec::new();
    for alert in open
        .iter()
        .filter(|a| a.rule == AlertRule::InvalidRecipients)
    {
        if let Some(resolved) = ctx.store.resolve_alert(alert.id, now).await? {
            changes.push(AlertChange::Resolved(resolved));
        }
    }
    Ok(changes)
}
