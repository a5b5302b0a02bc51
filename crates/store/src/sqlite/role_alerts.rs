//! `SqliteStore` as an `AlertStore`.

use super::*;
use crate::AlertStore;

#[async_trait]
impl AlertStore for SqliteStore {
    async fn alert_settings(&self, org: &str) -> Result<Option<AlertSettings>> {
        alerts::alert_settings(&mut *self.read().await?, org).await
    }

    async fn save_alert_settings(&self, org: &str, settings: &AlertSettings) -> Result<()> {
        let (org, settings) = (org.to_string(), settings.clone());
        on_writer!(self, conn => alerts::save_alert_settings(conn, &org, &settings))
    }

    async fn observe_alert(&self, observation: AlertObservation) -> Result<ObservedAlert> {
        on_writer!(self, conn => alerts::observe(conn, &observation))
    }

    async fn resolve_alerts(
        &self,
        org: &str,
        connector: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<Vec<Alert>> {
        let (org, connector) = (org.to_string(), connector.map(str::to_string));
        on_writer!(self, conn => alerts::resolve(conn, &org, connector.as_deref(), at))
    }

    async fn acknowledge_alert(
        &self,
        id: AlertId,
        actor: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Alert>> {
        let actor = actor.to_string();
        on_writer!(self, conn => alerts::acknowledge(conn, id, &actor, at))
    }

    async fn alert(&self, id: AlertId) -> Result<Option<Alert>> {
        alerts::alert(&mut *self.read().await?, id).await
    }

    async fn list_alerts(&self, org: &str, state: AlertStateFilter) -> Result<Vec<Alert>> {
        alerts::list(&mut *self.read().await?, org, state).await
    }

    async fn enqueue_notifications(
        &self,
        org: &str,
        cap: u32,
        notifications: Vec<NewNotification>,
        at: OffsetDateTime,
    ) -> Result<Enqueued> {
        let org = org.to_string();
        on_writer!(self, conn => alert_outbox::enqueue(conn, &org, cap, &notifications, at))
    }

    async fn due_notifications(
        &self,
        org: &str,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>> {
        alert_outbox::due(&mut *self.read().await?, org, now, limit).await
    }

    async fn next_notification_at(&self, org: &str) -> Result<Option<OffsetDateTime>> {
        alert_outbox::next_due(&mut *self.read().await?, org).await
    }

    async fn notification_delivered(&self, id: i64, at: OffsetDateTime) -> Result<()> {
        on_writer!(self, conn => alert_outbox::delivered(conn, id, at))
    }

    async fn notification_failed(
        &self,
        id: i64,
        reason: &str,
        retry: OutboxRetry,
        at: OffsetDateTime,
    ) -> Result<()> {
        let reason = reason.to_string();
        on_writer!(self, conn => alert_outbox::failed(conn, id, &reason, &retry, at))
    }

    async fn alert_notifications(&self, alert_id: AlertId) -> Result<Vec<OutboxEntry>> {
        alert_outbox::of_alert(&mut *self.read().await?, alert_id).await
    }

    async fn resolve_alert(&self, id: AlertId, at: OffsetDateTime) -> Result<Option<Alert>> {
        on_writer!(self, conn => invalid_recipients::resolve_alert(conn, id, at))
    }

    async fn record_invalid_recipient(
        &self,
        org: &str,
        client: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        let (org, client) = (org.to_string(), client.to_string());
        on_writer!(self, conn => invalid_recipients::record(conn, &org, &client, at))
    }

    async fn invalid_recipients_since(
        &self,
        org: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<InvalidRecipientSource>> {
        invalid_recipients::since(&mut *self.read().await?, org, since).await
    }

    async fn prune_invalid_recipients(&self, before: OffsetDateTime) -> Result<u64> {
        on_writer!(self, conn => invalid_recipients::prune(conn, before))
    }
}
