//! `PostgresStore` as an `AuditStore`.

use super::{PostgresStore, audit};
use crate::{AuditEntry, AuditStore, Result};
use async_trait::async_trait;
use time::OffsetDateTime;

#[async_trait]
impl AuditStore for PostgresStore {
    async fn append_audit(&self, entry: AuditEntry) -> Result<u64> {
        audit::append(&self.pool, &entry).await
    }

    async fn audit_entries(&self, org: Option<&str>, limit: usize) -> Result<Vec<AuditEntry>> {
        audit::entries(&self.pool, org, limit).await
    }

    async fn audit_entry(&self, id: u64) -> Result<Option<AuditEntry>> {
        audit::entry_by_id(&self.pool, id).await
    }

    async fn mark_undone(&self, id: u64, at: OffsetDateTime) -> Result<bool> {
        audit::mark_undone(&self.pool, id, at).await
    }
}
