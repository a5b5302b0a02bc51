//! `PostgresStore` as a `ClusterStore`: the nodes of a cluster share the
//! leases in one table.

use super::PostgresStore;
use crate::cluster_lease::{LEAD, LEADER, STEP_DOWN, until};
use crate::columns::time_to_db;
use crate::{ClusterStore, Result};
use async_trait::async_trait;
use std::time::Duration;
use time::OffsetDateTime;

#[async_trait]
impl ClusterStore for PostgresStore {
    async fn lead(
        &self,
        work: &str,
        node: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<bool> {
        let held: Option<String> = sqlx::query_scalar(LEAD)
            .bind(work)
            .bind(node)
            .bind(time_to_db(now))
            .bind(until(now, ttl))
            .fetch_optional(&self.pool)
            .await?;
        Ok(held.is_some())
    }

    async fn step_down(&self, work: &str, node: &str) -> Result<()> {
        sqlx::query(STEP_DOWN)
            .bind(work)
            .bind(node)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    fn changes(&self) -> Option<crate::StoreChanges> {
        Some(self.changes.clone())
    }

    async fn leader(&self, work: &str, now: OffsetDateTime) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(LEADER)
            .bind(work)
            .bind(time_to_db(now))
            .fetch_optional(&self.pool)
            .await?)
    }
}
