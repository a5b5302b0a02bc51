//! `PostgresStore` as an `InsightStore`.

use super::insight::history::{self, Pruned};
use super::insight::{delivery, events, older_than, queue_stats, retention, trace};
use super::{PostgresStore, transaction};
use crate::message_retention::{BATCH, Pass};
use crate::{
    ConnectorQueueStats, DeliveryStats, HistoryBucket, InsightStore, Result, TraceFilter,
    TracedMessage,
};
use async_trait::async_trait;
use mailflow_core::{Event, MessageId};
use time::OffsetDateTime;

#[async_trait]
impl InsightStore for PostgresStore {
    async fn events(&self, id: MessageId) -> Result<Vec<Event>> {
        events::of_message(&self.pool, id).await
    }

    async fn queue_stats(&self, org: &str) -> Result<Vec<ConnectorQueueStats>> {
        queue_stats::queue_stats(&self.pool, org).await
    }

    async fn queued_older_than(
        &self,
        org: &str,
        connector: Option<&str>,
        cutoff: OffsetDateTime,
    ) -> Result<u64> {
        older_than::queued_older_than(&self.pool, org, connector, cutoff).await
    }

    async fn delivery_stats(
        &self,
        org: &str,
        connector: Option<&str>,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<DeliveryStats> {
        delivery::delivery_stats(&self.pool, org, connector, since, until).await
    }

    async fn last_attempt(&self, org: &str, connector: Option<&str>) -> Result<Option<Event>> {
        delivery::last_attempt(&self.pool, org, connector).await
    }

    async fn trace(&self, filter: &TraceFilter) -> Result<Vec<TracedMessage>> {
        trace::trace(&self.pool, filter).await
    }

    async fn save_history(&self, buckets: Vec<HistoryBucket>) -> Result<()> {
        transaction::write!(self.pool, conn => history::save_history(conn, &buckets))
    }

    async fn history(
        &self,
        org: &str,
        connector: Option<&str>,
        since: OffsetDateTime,
    ) -> Result<Vec<HistoryBucket>> {
        history::history(&self.pool, org, connector, since).await
    }

    async fn prune_events(&self, before: OffsetDateTime) -> Result<u64> {
        transaction::write!(self.pool, conn => history::prune(conn, Pruned::Events, before))
    }

    async fn prune_messages(&self, before: OffsetDateTime) -> Result<u64> {
        // A transaction per batch: no pass holds its locks for long.
        let mut pass = Pass::default();
        while let Some(from) = pass.next() {
            pass.done(transaction::write!(self.pool, conn => {
                retention::prune_batch(conn, before, from, BATCH)
            })?);
        }
        Ok(pass.deleted())
    }

    async fn prune_history(&self, before: OffsetDateTime) -> Result<u64> {
        transaction::write!(self.pool, conn => history::prune(conn, Pruned::History, before))
    }
}
