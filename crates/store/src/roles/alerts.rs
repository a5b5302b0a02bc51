//! Alerts, their notifications outbox and the invalid-recipient quota.

use crate::{
    Alert, AlertId, AlertObservation, AlertSettings, AlertStateFilter, Enqueued,
    InvalidRecipientSource, NewNotification, ObservedAlert, OutboxEntry, OutboxRetry, Result,
};
use async_trait::async_trait;
use time::OffsetDateTime;

#[async_trait]
pub trait AlertStore: Send + Sync + 'static {
    /// The organisation's alert settings, `None` until some are saved.
    async fn alert_settings(&self, org: &str) -> Result<Option<AlertSettings>>;

    async fn save_alert_settings(&self, org: &str, settings: &AlertSettings) -> Result<()>;

    /// Merges an evaluation into the open alert of its connector and code,
    /// or opens one: at most one alert per connector and code is open.
    async fn observe_alert(&self, observation: AlertObservation) -> Result<ObservedAlert>;

    /// Resolves every open queue alert of a connector (not the
    /// invalid-recipient quota's); returns them, resolved.
    async fn resolve_alerts(
        &self,
        org: &str,
        connector: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<Vec<Alert>>;

    /// Records who acknowledged an alert; `None` when there is no such alert.
    async fn acknowledge_alert(
        &self,
        id: AlertId,
        actor: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Alert>>;

    async fn alert(&self, id: AlertId) -> Result<Option<Alert>>;

    /// The organisation's alerts in that state, newest first.
    async fn list_alerts(&self, org: &str, state: AlertStateFilter) -> Result<Vec<Alert>>;

    /// Queues notifications, due at once, as far as the organisation's
    /// count for the UTC day of `at` stays within `cap`; the rest are left
    /// out and counted as capped.
    async fn enqueue_notifications(
        &self,
        org: &str,
        cap: u32,
        notifications: Vec<NewNotification>,
        at: OffsetDateTime,
    ) -> Result<Enqueued>;

    /// The organisation's notifications due at `now`, oldest first.
    async fn due_notifications(
        &self,
        org: &str,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>>;

    /// When the organisation's next notification is due.
    async fn next_notification_at(&self, org: &str) -> Result<Option<OffsetDateTime>>;

    async fn notification_delivered(&self, id: i64, at: OffsetDateTime) -> Result<()>;

    /// An attempt that did not deliver: why, and when to try again (or not).
    async fn notification_failed(
        &self,
        id: i64,
        reason: &str,
        retry: OutboxRetry,
        at: OffsetDateTime,
    ) -> Result<()>;

    /// Every notification about one alert, in the order queued.
    async fn alert_notifications(&self, alert_id: AlertId) -> Result<Vec<OutboxEntry>>;

    /// Resolves one open alert; `None` when there is no such alert.
    async fn resolve_alert(&self, id: AlertId, at: OffsetDateTime) -> Result<Option<Alert>>;

    /// Records one recipient refused at RCPT as unknown (`550 5.1.10`),
    /// asked for by `client` (its IP address).
    async fn record_invalid_recipient(
        &self,
        org: &str,
        client: &str,
        at: OffsetDateTime,
    ) -> Result<()>;

    /// Unknown-recipient refusals per client at or after `since`, most first.
    async fn invalid_recipients_since(
        &self,
        org: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<InvalidRecipientSource>>;

    /// Deletes refusals recorded before `before`; returns how many.
    async fn prune_invalid_recipients(&self, before: OffsetDateTime) -> Result<u64>;
}
