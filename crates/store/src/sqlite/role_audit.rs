//! `SqliteStore` as an `AuditStore`.

use super::*;
use crate::AuditStore;

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, entry: AuditEntry) -> Result<u64> {
        on_writer!(self, conn => audit::append(conn, &entry))
    }

    async fn audit_entries(&self, org: Option<&str>, limit: usize) -> Result<Vec<AuditEntry>> {
        audit::entries(&mut *self.read().await?, org, limit).await
    }

    async fn audit_entry(&self, id: u64) -> Result<Option<AuditEntry>> {
        audit::entry_by_id(&mut *self.read().await?, id).await
    }

    async fn mark_undone(&self, id: u64, at: OffsetDateTime) -> Result<bool> {
        on_writer!(self, conn => audit::mark_undone(conn, id, at))
    }
}
