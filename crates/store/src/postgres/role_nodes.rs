//! `PostgresStore` as a `NodeStore`.

use super::{PostgresStore, nodes};
use crate::{NodeHeartbeat, NodeStatus, NodeStore, Result};
use async_trait::async_trait;
use time::OffsetDateTime;

#[async_trait]
impl NodeStore for PostgresStore {
    async fn write_heartbeat(&self, heartbeat: &NodeHeartbeat) -> Result<()> {
        nodes::write_heartbeat(&self.pool, heartbeat).await
    }

    async fn nodes(&self) -> Result<Vec<NodeStatus>> {
        nodes::nodes(&self.pool).await
    }

    async fn node(&self, name: &str) -> Result<Option<NodeStatus>> {
        nodes::node(&self.pool, name).await
    }

    async fn set_drain_request(&self, name: &str, at: Option<OffsetDateTime>) -> Result<bool> {
        nodes::set_drain_request(&self.pool, name, at).await
    }

    async fn drain_requested(&self, name: &str) -> Result<bool> {
        nodes::drain_requested(&self.pool, name).await
    }
}
