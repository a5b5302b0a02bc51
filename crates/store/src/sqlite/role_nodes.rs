//! `SqliteStore` as a `NodeStore`.

use super::*;
use crate::{NodeHeartbeat, NodeStatus, NodeStore};

#[async_trait]
impl NodeStore for SqliteStore {
    async fn write_heartbeat(&self, heartbeat: &NodeHeartbeat) -> Result<()> {
        let heartbeat = heartbeat.clone();
        // Bookkeeping, rewritten within seconds: no fsync of its own.
        on_writer!(self, Durability::Relaxed, conn => nodes::write_heartbeat(conn, &heartbeat))
    }

    async fn nodes(&self) -> Result<Vec<NodeStatus>> {
        nodes::nodes(&mut *self.read().await?).await
    }

    async fn node(&self, name: &str) -> Result<Option<NodeStatus>> {
        nodes::node(&mut *self.read().await?, name).await
    }

    async fn set_drain_request(&self, name: &str, at: Option<OffsetDateTime>) -> Result<bool> {
        let name = name.to_string();
        on_writer!(self, conn => nodes::set_drain_request(conn, &name, at))
    }

    async fn drain_requested(&self, name: &str) -> Result<bool> {
        nodes::drain_requested(&mut *self.read().await?, name).await
    }
}
