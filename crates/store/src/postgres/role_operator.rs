//! `PostgresStore` as an `OperatorStore`.

use super::operator::acting::{self, Target};
use super::operator::{listing, selection, waiting, waiting_addresses};
use super::{PostgresStore, transaction};
use crate::{
    MessageFilter, OperatorStore, PendingRecipient, QueueAction, QueueSelection, Result,
    SelectedMessage, StoredMessage, WaitingCount, WaitingCursor,
};
use async_trait::async_trait;
use mailflow_core::MessageId;
use time::OffsetDateTime;

impl PostgresStore {
    /// Does `action` to the waiting recipients of a connector's queue.
    async fn on_connector(
        &self,
        org: &str,
        connector: &str,
        action: QueueAction,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        let target = Target::Connector { org, connector };
        transaction::write!(self.pool, conn => acting::act(conn, &target, action, now, actor))
    }
}

#[async_trait]
impl OperatorStore for PostgresStore {
    async fn list_messages(&self, filter: &MessageFilter) -> Result<Vec<StoredMessage>> {
        listing::list_messages(&self.pool, filter).await
    }

    async fn suspend_connector_queue(
        &self,
        org: &str,
        connector: &str,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        self.on_connector(org, connector, QueueAction::Suspend, now, actor)
            .await
    }

    async fn resume_connector_queue(
        &self,
        org: &str,
        connector: &str,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        self.on_connector(org, connector, QueueAction::Resume, now, actor)
            .await
    }

    async fn retry_connector_now(
        &self,
        org: &str,
        connector: &str,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        self.on_connector(org, connector, QueueAction::Retry, now, actor)
            .await
    }

    async fn waiting_counts(&self, org: &str) -> Result<Vec<WaitingCount>> {
        waiting::waiting_counts(&self.pool, org).await
    }

    async fn waiting_addresses(
        &self,
        org: &str,
        connector: &str,
        domain: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>> {
        waiting_addresses::waiting_addresses(&self.pool, org, connector, domain, after, limit).await
    }

    async fn waiting_to(
        &self,
        org: &str,
        connector: &str,
        domain: &str,
        addresses: &[String],
    ) -> Result<u64> {
        waiting_addresses::waiting_to(&self.pool, org, connector, domain, addresses).await
    }

    async fn waiting_recipients(
        &self,
        org: &str,
        connector: &str,
        after: Option<WaitingCursor>,
        limit: usize,
    ) -> Result<Vec<PendingRecipient>> {
        waiting::waiting_recipients(&self.pool, org, connector, after, limit).await
    }

    async fn select_pending(
        &self,
        selection: &QueueSelection,
        after: Option<MessageId>,
        max_messages: usize,
    ) -> Result<Vec<SelectedMessage>> {
        selection::select_pending(&self.pool, selection, after, max_messages).await
    }

    async fn act_on_recipients(
        &self,
        action: QueueAction,
        recipients: &[(MessageId, u32)],
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        let target = Target::Chosen(recipients);
        transaction::write!(self.pool, conn => acting::act(conn, &target, action, now, actor))
    }
}
