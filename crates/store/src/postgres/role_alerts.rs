//! `PostgresStore` as an `AlertStore`.

use super::settings::{SettingsTable, save_settings, settings_of};
use super::{PostgresStore, alert_outbox, alerts, invalid_recipients};
use crate::{
    Alert, AlertId, AlertObservation, AlertSettings, AlertStateFilter, AlertStore, Enqueued,
    InvalidRecipientSource, NewNotification, ObservedAlert, OutboxEntry, OutboxRetry, Result,
};
use async_trait::async_trait;
use time::OffsetDateTime;

#[async_trait]
impl AlertStore for PostgresStore {
    async fn alert_settings(&self, org: &str) -> Result<Option<AlertSettings>> {
        settings_of(&self.pool, SettingsTable::Alert, org).await
    }

    async fn save_alert_settings(&self, org: &str, settings: &AlertSettings) -> Result<()> {
        save_settings(&self.pool, SettingsTable::Alert, org, settings).await
    }

    async fn observe_alert(&self, observation: AlertObservation) -> Result<ObservedAlert> {
        alerts::observe(&self.pool, &observation).await
    }

    async fn resolve_alerts(
        &self,
        org: &str,
        connector: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<Vec<Alert>> {
        alerts::resolve(&self.pool, org, connector, at).await
    }

    async fn acknowledge_alert(
        &self,
        id: AlertId,
        actor: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Alert>> {
        alerts::acknowledge(&self.pool, id, actor, at).await
    }

    async fn alert(&self, id: AlertId) -> Result<Option<Alert>> {
        alerts::alert(&self.pool, id).await
    }

    async fn list_alerts(&self, org: &str, state: AlertStateFilter) -> Result<Vec<Alert>> {
        alerts::list(&self.pool, org, state).await
    }

    async fn enqueue_notifications(
        &self,
        org: &str,
        cap: u32,
        notifications: Vec<NewNotification>,
        at: OffsetDateTime,
    ) -> Result<Enqueued> {
        alert_outbox::enqueue(&self.pool, org, cap, &notifications, at).await
    }

    async fn due_notifications(
        &self,
        org: &str,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>> {
        alert_outbox::due(&self.pool, org, now, limit).await
    }

    async fn next_notification_at(&self, org: &str) -> Result<Option<OffsetDateTime>> {
        alert_outbox::next_due(&self.pool, org).await
    }

    async fn notification_delivered(&self, id: i64, at: OffsetDateTime) -> Result<()> {
        alert_outbox::delivered(&self.pool, id, at).await
    }

    async fn notification_failed(
        &self,
        id: i64,
        reason: &str,
        retry: OutboxRetry,
        at: OffsetDateTime,
    ) -> Result<()> {
        alert_outbox::failed(&self.pool, id, reason, &retry, at).await
    }

    async fn alert_notifications(&self, alert_id: AlertId) -> Result<Vec<OutboxEntry>> {
        alert_outbox::of_alert(&self.pool, alert_id).await
    }

    async fn resolve_alert(&self, id: AlertId, at: OffsetDateTime) -> Result<Option<Alert>> {
        alerts::resolve_one(&self.pool, id, at).await
    }

    async fn record_invalid_recipient(
        &self,
        org: &str,
        client: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        invalid_recipients::record(&self.pool, org, client, at).await
    }

    async fn invalid_recipients_since(
        &self,
        org: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<InvalidRecipientSource>> {
        invalid_recipients::since(&self.pool, org, since).await
    }

    async fn prune_invalid_recipients(&self, before: OffsetDateTime) -> Result<u64> {
        invalid_recipients::prune(&self.pool, before).await
    }
}
