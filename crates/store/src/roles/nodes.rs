//! Node status: each node's heartbeat, the work it holds, and operators'
//! requests to drain it. The requests live in the store so that the API of
//! any node can drain any node of the cluster.

use crate::{ClusterStore, NodeHeartbeat, NodeState, NodeStatus, Result};
use async_trait::async_trait;
use time::OffsetDateTime;

#[async_trait]
pub trait NodeStore: ClusterStore {
    /// Writes a node's heartbeat, adding the node the first time. A drain
    /// request made for it is left as it is.
    async fn write_heartbeat(&self, heartbeat: &NodeHeartbeat) -> Result<()>;

    /// Every node that ever wrote a heartbeat, by name, each with the
    /// recipients in flight under its lease.
    async fn nodes(&self) -> Result<Vec<NodeStatus>>;

    /// One node, as `nodes` has it.
    async fn node(&self, name: &str) -> Result<Option<NodeStatus>>;

    /// Asks the node to drain (at `at`), or with `None` withdraws the
    /// request (resume). A request stays until it is withdrawn, across the
    /// node's restarts. False when no node of that name is known.
    async fn set_drain_request(&self, name: &str, at: Option<OffsetDateTime>) -> Result<bool>;

    /// Whether an operator asked the node to drain.
    async fn drain_requested(&self, name: &str) -> Result<bool>;

    /// Whether nodes in other processes may use this store at once (a
    /// database server). The embedded store is held by one process at a
    /// time (its data directory's lock), so a heartbeat found there when a
    /// node starts is an earlier run's, however fresh. The same question
    /// as whether other nodes' changes are heard (`ClusterStore::changes`).
    fn shared(&self) -> bool {
        self.changes().is_some()
    }

    /// A node of this name that may be running now in another process:
    /// its heartbeat is fresh at `now` and it did not say it stopped. Two
    /// nodes with one name would take each other's leased work for their
    /// own, so a node that finds one refuses to start.
    async fn running_elsewhere(
        &self,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<Option<NodeStatus>> {
        if !self.shared() {
            return Ok(None);
        }
        let node = self.node(name).await?;
        Ok(node.filter(|node| node.state != NodeState::Stopped && now < node.fresh_until))
    }
}
