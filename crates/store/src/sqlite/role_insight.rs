//! `SqliteStore` as an `InsightStore`.

use super::*;
use crate::InsightStore;
use crate::message_retention::{BATCH, Pass};

#[async_trait]
impl InsightStore for SqliteStore {
    async fn events(&self, id: MessageId) -> Result<Vec<Event>> {
        reads::events(&mut *self.read_events().await?, id).await
    }

    async fn queue_stats(&self, org: &str) -> Result<Vec<ConnectorQueueStats>> {
        insight::queue_stats(&mut *self.read().await?, org).await
    }

    async fn queued_older_than(
        &self,
        org: &str,
        connector: Option<&str>,
        cutoff: OffsetDateTime,
    ) -> Result<u64> {
        insight::queued_older_than(&mut *self.read().await?, org, connector, cutoff).await
    }

    async fn delivery_stats(
        &self,
        org: &str,
        connector: Option<&str>,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<DeliveryStats> {
        insight::delivery_stats(
            &mut *self.read_events().await?,
            org,
            connector,
            since,
            until,
        )
        .await
    }

    async fn last_attempt(&self, org: &str, connector: Option<&str>) -> Result<Option<Event>> {
        insight::last_attempt(&mut *self.read_events().await?, org, connector).await
    }

    async fn trace(&self, filter: &TraceFilter) -> Result<Vec<TracedMessage>> {
        trace::trace(&mut *self.read_events().await?, filter).await
    }

    async fn save_history(&self, buckets: Vec<HistoryBucket>) -> Result<()> {
        on_writer!(self, Durability::Relaxed, conn => history::save_history(conn, &buckets))
    }

    async fn history(
        &self,
        org: &str,
        connector: Option<&str>,
        since: OffsetDateTime,
    ) -> Result<Vec<HistoryBucket>> {
        history::history(&mut *self.read().await?, org, connector, since).await
    }

    async fn prune_events(&self, before: OffsetDateTime) -> Result<u64> {
        // The events waiting in the writer's log are pruned too.
        self.writer.flush_events().await?;
        on_writer!(self, Durability::Relaxed, conn => history::prune_events(conn, before))
    }

    async fn prune_messages(&self, before: OffsetDateTime) -> Result<u64> {
        // One batch per job: accepts queue behind a batch, not the whole pass.
        let mut pass = Pass::default();
        while let Some(from) = pass.next() {
            pass.done(on_writer!(self, Durability::Relaxed, conn => {
                message_retention::prune_batch(conn, before, from, BATCH)
            })?);
        }
        Ok(pass.deleted())
    }

    async fn prune_history(&self, before: OffsetDateTime) -> Result<u64> {
        on_writer!(self, Durability::Relaxed, conn => history::prune_history(conn, before))
    }
}
