//! Work that runs once per cluster, not once per node: the alert
//! evaluator, notifications, owed reports, expiry and delay notices,
//! retention, and applying a fix. A node does such work only while it
//! holds the work's lease; the lease runs out on its own when its node
//! dies, and another node takes it over.

use crate::Result;
use async_trait::async_trait;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::watch;

/// How long a node leads once-per-cluster work after its last pass: when
/// it dies, another node takes the work over after this.
pub const CLUSTER_LEASE: Duration = Duration::from_secs(30);

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

    /// Whether `node` does `work` now: always on a store one node owns; on
    /// a shared one while it holds the work's lease, taken or renewed here
    /// for `CLUSTER_LEASE`. Call it at each pass of the work.
    async fn leads(&self, work: &str, node: &str, now: OffsetDateTime) -> Result<bool> {
        if self.changes().is_none() {
            return Ok(true);
        }
        self.lead(work, node, now, CLUSTER_LEASE).await
    }

    /// What other nodes change, as it happens: `None` for a store that one
    /// node owns (nothing changes behind its back). Each call starts from
    /// the changes counted so far.
    fn changes(&self) -> Option<StoreChanges>;
}

/// Counters that move when another node (or this one) changes the shared
/// store: wait on them with `changed()`.
#[derive(Debug, Clone)]
pub struct StoreChanges {
    /// Mail became due sooner than a node may think (accepted, released,
    /// retried, resumed).
    pub queue: watch::Receiver<u64>,
    /// An organisation's settings were saved.
    pub settings: watch::Receiver<u64>,
}
