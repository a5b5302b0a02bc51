//! `SqliteStore` as an `OperatorStore`.

use super::*;
use crate::OperatorStore;

#[async_trait]
impl OperatorStore for SqliteStore {
    async fn list_messages(&self, filter: &MessageFilter) -> Result<Vec<StoredMessage>> {
        reads::list_messages(&mut *self.read().await?, filter).await
    }

    async fn suspend_connector_queue(
        &self,
        org: &str,
        connector: &str,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        let (org, connector, actor) = (org.to_string(), connector.to_string(), actor.to_string());
        on_writer!(self, conn => operator::suspend(conn, &org, &connector, now, &actor))
    }

    async fn resume_connector_queue(
        &self,
        org: &str,
        connector: &str,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        let (org, connector, actor) = (org.to_string(), connector.to_string(), actor.to_string());
        on_writer!(self, conn => operator::resume(conn, &org, &connector, now, &actor))
    }

    async fn retry_connector_now(
        &self,
        org: &str,
        connector: &str,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        let (org, connector, actor) = (org.to_string(), connector.to_string(), actor.to_string());
        on_writer!(self, conn => operator::retry_now(conn, &org, &connector, now, &actor))
    }

    async fn waiting_counts(&self, org: &str) -> Result<Vec<WaitingCount>> {
        operator::waiting_counts(&mut *self.read().await?, org).await
    }

    async fn waiting_addresses(
        &self,
        org: &str,
        connector: &str,
        domain: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>> {
        let mut conn = self.read().await?;
        waiting_addresses::waiting_addresses(&mut conn, org, connector, domain, after, limit).await
    }

    async fn waiting_to(
        &self,
        org: &str,
        connector: &str,
        domain: &str,
        addresses: &[String],
    ) -> Result<u64> {
        let mut conn = self.read().await?;
        waiting_addresses::waiting_to(&mut conn, org, connector, domain, addresses).await
    }

    async fn waiting_recipients(
        &self,
        org: &str,
        connector: &str,
        after: Option<WaitingCursor>,
        limit: usize,
    ) -> Result<Vec<PendingRecipient>> {
        operator::waiting_recipients(&mut *self.read().await?, org, connector, after, limit).await
    }

    async fn select_pending(
        &self,
        selection: &QueueSelection,
        after: Option<MessageId>,
        max_messages: usize,
    ) -> Result<Vec<SelectedMessage>> {
        let conn = &mut *self.read().await?;
        queue_selection::select_pending(conn, selection, after, max_messages).await
    }

    async fn act_on_recipients(
        &self,
        action: QueueAction,
        recipients: &[(MessageId, u32)],
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        let (recipients, actor) = (recipients.to_vec(), actor.to_string());
        on_writer!(self, conn => queue_actions::act(conn, action, &recipients, now, &actor))
    }
}
