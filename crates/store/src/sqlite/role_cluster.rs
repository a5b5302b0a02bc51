//! `SqliteStore` as a `ClusterStore`: one node, the same contract.

use super::*;
use crate::ClusterStore;
use crate::cluster_lease::{LEAD, LEADER, STEP_DOWN, in_sqlite, until};

#[async_trait]
impl ClusterStore for SqliteStore {
    async fn lead(
        &self,
        work: &str,
        node: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<bool> {
        let (work, node) = (work.to_string(), node.to_string());
        let until = until(now, ttl);
        on_writer!(self, Durability::Relaxed, conn => async move {
            let held: Option<String> = sqlx::query_scalar(&in_sqlite(LEAD))
                .bind(&work)
                .bind(&node)
                .bind(codec::time_to_db(now))
                .bind(until)
                .fetch_optional(conn)
                .await?;
            Ok(held.is_some())
        })
    }

    async fn step_down(&self, work: &str, node: &str) -> Result<()> {
        let (work, node) = (work.to_string(), node.to_string());
        on_writer!(self, Durability::Relaxed, conn => async move {
            sqlx::query(&in_sqlite(STEP_DOWN)).bind(&work).bind(&node).execute(conn).await?;
            Ok(())
        })
    }

    fn changes(&self) -> Option<crate::StoreChanges> {
        None
    }

    async fn leader(&self, work: &str, now: OffsetDateTime) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(&in_sqlite(LEADER))
            .bind(work)
            .bind(codec::time_to_db(now))
            .fetch_optional(&mut *self.read().await?)
            .await?)
    }
}
