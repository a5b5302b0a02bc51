//! Work that runs once per cluster, not once per node: the alert
//! evaluator, notifications, owed reports, expiry and delay notices,
//! retention, and applying a fix. A node does such work only while it
//! holds the work's lease; the lease runs out on its own when its node
//! dies, and another node takes it over.

use crate::Result;
use async_trait::async_trait;
use std::time::Duration;
use time::OffsetDateTime;

#[async_trait]
pub trait ClusterStore: Send + Sync + 'static {
    /// Takes or renews the lease on `work` for `node` until `now + ttl`.
    /// True when `node` holds it now: it was free, had run out, or was
    /// `node`'s already. False when another node holds it.
    async fn lead(
        &self,
        work: &str,
        node: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<bool>;

    /// Gives the lease on `work` up, if `node` holds it, so that another
    /// node may take it at once.
    async fn step_down(&self, work: &str, node: &str) -> Result<()>;

    /// Which node holds the lease on `work` at `now`, if any.
    async fn leader(&self, work: &str, now: OffsetDateTime) -> Result<Option<String>>;
}
