//! One evaluation of the organisation's queue: for each connector, apply
//! the rules, open or merge alerts, resolve the ones whose backlog drained,
//! and queue notifications about what changed.

use crate::AlertContext;
use crate::codes::NOT_TRIED;
use crate::lost_bodies;
use crate::notice::{AlertNotice, NoticeStatus};
use crate::quota::evaluate_quota;
use crate::rules::{Backlog, drained, judge};
use mailflow_store::{
    Alert, AlertObservation, AlertRule, AlertSettings, AlertStateFilter, AlertValues,
    ConnectorQueueStats, NewNotification, NotificationChannel, Result,
};
use std::collections::BTreeSet;
use std::time::Duration;
use time::OffsetDateTime;

/// An alert that keeps its rule crossed is notified again at most this often.
pub const UPDATE_NOTICE_EVERY: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertChange {
    Opened(Alert),
    /// Merged into an open alert: new counts and times.
    Updated(Alert),
    Resolved(Alert),
}

impl AlertChange {
    pub fn alert(&self) -> &Alert {
        match self {
            AlertChange::Opened(alert)
            | AlertChange::Updated(alert)
            | AlertChange::Resolved(alert) => alert,
        }
    }
}

/// Evaluates every connector of the organisation once, at the clock's now,
/// and queues the notifications the changes call for.
pub async fn evaluate(ctx: &AlertContext) -> Result<Vec<AlertChange>> {
    let now = ctx.clock.now();
    let settings = ctx
        .store
        .alert_settings(&ctx.org)
        .await?
        .unwrap_or_default();
    let stats = ctx.store.queue_stats(&ctx.org).await?;
    let mut changes = Vec::new();
    for connector in &stats {
        changes.extend(evaluate_connector(ctx, &settings, connector, now).await?);
    }
    let with_queue: BTreeSet<Option<&str>> = stats.iter().map(|s| s.connector.as_deref()).collect();
    let open = ctx
        .store
        .list_alerts(&ctx.org, AlertStateFilter::Open)
        .await?;
    let emptied: BTreeSet<Option<&str>> = open
        .iter()
        .filter(|alert| alert.rule.is_about_a_queue())
        .map(|alert| alert.connector.as_deref())
        .filter(|connector| !with_queue.contains(connector))
        .collect();
    for connector in emptied {
        let resolved = ctx.store.resolve_alerts(&ctx.org, connector, now).await?;
        changes.extend(resolved.into_iter().map(AlertChange::Resolved));
    }
    changes.extend(evaluate_quota(ctx, &settings, now).await?);
    changes.extend(lost_bodies::evaluate(ctx, &open, now).await?);
    notify(ctx, &settings, &changes, now).await?;
    Ok(changes)
}

async fn evaluate_connector(
    ctx: &AlertContext,
    settings: &AlertSettings,
    stats: &ConnectorQueueStats,
    now: OffsetDateTime,
) -> Result<Vec<AlertChange>> {
    let connector = stats.connector.as_deref();
    let rules = settings.rules_for(connector);
    let queued_over_age = ctx
        .store
        .queued_older_than(&ctx.org, connector, now - rules.queued_age)
        .await?;
    let backlog = Backlog {
        queued: stats.queued,
        queued_over_age,
        oldest_received_at: stats.oldest_received_at,
    };
    if let Some(rule) = judge(&backlog, &rules, now) {
        let observation = observation(ctx, stats, &backlog, rule, now);
        let observed = ctx.store.observe_alert(observation).await?;
        let change = match observed.opened {
            true => AlertChange::Opened(observed.alert),
            false => AlertChange::Updated(observed.alert),
        };
        return Ok(vec![change]);
    }
    if drained(&backlog, &rules, now) {
        let resolved = ctx.store.resolve_alerts(&ctx.org, connector, now).await?;
        return Ok(resolved.into_iter().map(AlertChange::Resolved).collect());
    }
    Ok(Vec::new())
}

/// What the evaluation saw, under the queue's dominant code.
fn observation(
    ctx: &AlertContext,
    stats: &ConnectorQueueStats,
    backlog: &Backlog,
    rule: AlertRule,
    now: OffsetDateTime,
) -> AlertObservation {
    let code = stats
        .by_code
        .first()
        .map_or_else(|| NOT_TRIED.to_string(), |(code, _)| code.clone());
    let last_error = stats
        .last_error
        .clone()
        .filter(|error| error.diagnosis.code().to_string() == code);
    AlertObservation {
        org: ctx.org.clone(),
        connector: stats.connector.clone(),
        code,
        rule,
        values: AlertValues {
            queued: backlog.queued,
            queued_over_age: backlog.queued_over_age,
            oldest_received_at: backlog.oldest_received_at,
            last_error,
            ..AlertValues::default()
        },
        at: now,
    }
}

/// Queues one notification per configured channel for each change worth
/// telling: every opening and resolution, and an update at most once per
/// `UPDATE_NOTICE_EVERY`.
async fn notify(
    ctx: &AlertContext,
    settings: &AlertSettings,
    changes: &[AlertChange],
    now: OffsetDateTime,
) -> Result<()> {
    for change in changes {
        let Some(status) = status_to_tell(change, now) else {
            continue;
        };
        let payload = AlertNotice::new(change.alert(), status, now).to_json();
        let batch: Vec<NewNotification> = channels(settings)
            .into_iter()
            .map(|channel| NewNotification {
                alert_id: change.alert().id,
                channel,
                payload: payload.clone(),
            })
            .collect();
        if batch.is_empty() {
            continue;
        }
        let enqueued = ctx
            .store
            .enqueue_notifications(&ctx.org, settings.daily_cap, batch, now)
            .await?;
        if enqueued.capped > 0 {
            tracing::warn!(
                alert = change.alert().id,
                capped = enqueued.capped,
                cap = settings.daily_cap,
                "daily notification cap reached; notification not sent"
            );
        }
    }
    Ok(())
}

fn status_to_tell(change: &AlertChange, now: OffsetDateTime) -> Option<NoticeStatus> {
    match change {
        AlertChange::Opened(_) => Some(NoticeStatus::Opened),
        AlertChange::Resolved(_) => Some(NoticeStatus::Resolved),
        AlertChange::Updated(alert) => alert
            .notified_at
            .is_none_or(|at| now - at >= UPDATE_NOTICE_EVERY)
            .then_some(NoticeStatus::Updated),
    }
}

fn channels(settings: &AlertSettings) -> Vec<NotificationChannel> {
    let mut channels = Vec::new();
    if settings.webhook_url.is_some() {
        channels.push(NotificationChannel::Webhook);
    }
    if !settings.admin_emails.is_empty() {
        channels.push(NotificationChannel::Email);
    }
    channels
}
