//! Events and what mail flow intelligence reads from them: traces, queue
//! statistics, delivery outcomes, the per-minute history, and retention.

use crate::{
    ConnectorQueueStats, DeliveryStats, HistoryBucket, Result, TraceFilter, TracedMessage,
};
use async_trait::async_trait;
use mailflow_core::{Event, MessageId};
use time::OffsetDateTime;

#[async_trait]
pub trait InsightStore: Send + Sync + 'static {
    /// Events of one message, oldest first.
    async fn events(&self, id: MessageId) -> Result<Vec<Event>>;

    /// Per connector (None = MX routing without a connector): pending
    /// recipients (queued, deferred, in_flight, suspended), oldest pending
    /// message's received_at, pending recipients by last error code, and the
    /// most recent last error with its next hop.
    async fn queue_stats(&self, org: &str) -> Result<Vec<ConnectorQueueStats>>;

    /// Pending recipients of a connector whose message was received before `cutoff`.
    async fn queued_older_than(
        &self,
        org: &str,
        connector: Option<&str>,
        cutoff: OffsetDateTime,
    ) -> Result<u64>;

    /// Outcomes of a connector's attempts with `since <= at < until`.
    async fn delivery_stats(
        &self,
        org: &str,
        connector: Option<&str>,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<DeliveryStats>;

    /// The latest `Attempt` event of a connector: the addresses last tried.
    async fn last_attempt(&self, org: &str, connector: Option<&str>) -> Result<Option<Event>>;

    /// Messages matching the filter, newest first, each with its events.
    async fn trace(&self, filter: &TraceFilter) -> Result<Vec<TracedMessage>>;

    /// Writes history buckets, replacing any of the same connector and minute.
    async fn save_history(&self, buckets: Vec<HistoryBucket>) -> Result<()>;

    /// A connector's history from `since` on, oldest minute first.
    async fn history(
        &self,
        org: &str,
        connector: Option<&str>,
        since: OffsetDateTime,
    ) -> Result<Vec<HistoryBucket>>;

    /// Deletes events older than `before`; returns how many.
    async fn prune_events(&self, before: OffsetDateTime) -> Result<u64>;

    /// Deletes the messages whose recipients all finished (delivered or
    /// failed) before `before` and that owe no report, with their
    /// recipients; returns how many.
    async fn prune_messages(&self, before: OffsetDateTime) -> Result<u64>;

    /// Deletes history buckets older than `before`; returns how many.
    async fn prune_history(&self, before: OffsetDateTime) -> Result<u64>;
}
