//! Delivering the outbox: each due notification goes out on its channel;
//! a failure that may pass is tried again with a growing wait (so every
//! notification is delivered at least once while its receiver comes back
//! within a day), and one that cannot pass is given up with its reason.

use crate::notice::AlertNotice;
use crate::{AlertContext, email, webhook};
use mailflow_receive::RouteRefusal;
use mailflow_store::{
    AlertSettings, NotificationChannel, OutboxEntry, OutboxRetry, Result, StoreError,
};
use std::fmt;
use std::time::Duration;
use time::OffsetDateTime;

/// Notifications sent per pass.
const BATCH: usize = 100;
/// A notification still failing this long after it was queued is given up.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Why a notification was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("no webhook_url is set")]
    NoWebhook,
    #[error("the webhook could not be reached: {0}")]
    Unreachable(#[source] reqwest::Error),
    #[error("the webhook answered HTTP {0}")]
    Status(u16),
    #[error("no admin_emails are set")]
    NoAdmins,
    #[error("the organisation's settings are not in the store")]
    NoOrgSettings,
    #[error("no administrator can be written to: {}", list(.0))]
    NoRoute(Vec<Unroutable>),
    #[error("the alert e-mail could not be written: {0}")]
    Compose(#[source] std::io::Error),
    #[error("the notification in the outbox cannot be read: {0}")]
    BadPayload(#[source] serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl NotifyError {
    /// Trying again cannot help (until the settings change).
    pub fn is_permanent(&self) -> bool {
        !matches!(
            self,
            NotifyError::Unreachable(_) | NotifyError::Status(_) | NotifyError::Store(_)
        )
    }
}

/// An administrator address the alert e-mail cannot go to.
#[derive(Debug)]
pub struct Unroutable {
    pub address: String,
    pub reason: UnroutableReason,
}

#[derive(Debug)]
pub enum UnroutableReason {
    /// Its route is the connector the alert is about.
    ThroughFailingConnector(String),
    Refused(RouteRefusal),
}

impl fmt::Display for Unroutable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            UnroutableReason::ThroughFailingConnector(connector) => write!(
                f,
                "{} is reached only through connector {connector}, the one the alert is about",
                self.address
            ),
            UnroutableReason::Refused(refusal) => write!(f, "{}: {refusal}", self.address),
        }
    }
}

fn list(unroutable: &[Unroutable]) -> String {
    let items: Vec<String> = unroutable.iter().map(ToString::to_string).collect();
    items.join("; ")
}

/// What one pass over the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    pub delivered: u32,
    pub retried: u32,
    pub given_up: u32,
}

/// The wait after the `failures`-th failed attempt: 30 s, 1 min, 2 min,
/// 5 min, 15 min, 30 min, then every hour.
pub fn retry_delay(failures: u32) -> Duration {
    const WAITS: [u64; 7] = [30, 60, 120, 300, 900, 1800, 3600];
    let index = (failures.max(1) as usize - 1).min(WAITS.len() - 1);
    Duration::from_secs(WAITS[index])
}

/// Sends every notification of the organisation that is due now.
pub async fn send_due(ctx: &AlertContext) -> Result<SendReport> {
    let now = ctx.clock.now();
    let due = ctx.store.due_notifications(&ctx.org, now, BATCH).await?;
    let mut report = SendReport::default();
    if due.is_empty() {
        return Ok(report);
    }
    let settings = ctx
        .store
        .alert_settings(&ctx.org)
        .await?
        .unwrap_or_default();
    for entry in &due {
        match deliver(ctx, &settings, entry).await {
            Ok(()) => {
                ctx.store
                    .notification_delivered(entry.id, ctx.clock.now())
                    .await?;
                report.delivered += 1;
            }
            Err(error) => {
                let retry = next_try(entry, &error, now);
                tracing::warn!(notification = entry.id, channel = %entry.channel, %error, ?retry, "alert notification not delivered");
                match retry {
                    OutboxRetry::At(_) => report.retried += 1,
                    OutboxRetry::GiveUp => report.given_up += 1,
                }
                let reason = error.to_string();
                ctx.store
                    .notification_failed(entry.id, &reason, retry, now)
                    .await?;
            }
        }
    }
    Ok(report)
}

async fn deliver(
    ctx: &AlertContext,
    settings: &AlertSettings,
    entry: &OutboxEntry,
) -> std::result::Result<(), NotifyError> {
    match entry.channel {
        NotificationChannel::Webhook => webhook::post(ctx, settings, &entry.payload).await,
        NotificationChannel::Email => {
            let notice: AlertNotice =
                serde_json::from_str(&entry.payload).map_err(NotifyError::BadPayload)?;
            email::send(ctx, settings, &notice).await
        }
    }
}

fn next_try(entry: &OutboxEntry, error: &NotifyError, now: OffsetDateTime) -> OutboxRetry {
    if error.is_permanent() || now - entry.created_at >= GIVE_UP_AFTER {
        return OutboxRetry::GiveUp;
    }
    OutboxRetry::At(now + retry_delay(entry.attempts + 1))
}
