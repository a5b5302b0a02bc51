//! The audit log: every change operators and fixes make, appended and never
//! rewritten but for the time an entry was undone.

use crate::{AuditEntry, Result};
use async_trait::async_trait;
use time::OffsetDateTime;

#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Appends an entry to the audit log; returns the id the store gave it.
    async fn append_audit(&self, entry: AuditEntry) -> Result<u64>;

    /// The latest audit entries, newest first; 0 is no limit. `Some(org)`:
    /// only that organisation's; `None`: every entry, the cluster's
    /// (entries of no organisation) and every organisation's.
    async fn audit_entries(&self, org: Option<&str>, limit: usize) -> Result<Vec<AuditEntry>>;

    async fn audit_entry(&self, id: u64) -> Result<Option<AuditEntry>>;

    /// Marks an entry undone at `at`; false when there is no such entry or
    /// it was undone already.
    async fn mark_undone(&self, id: u64, at: OffsetDateTime) -> Result<bool>;
}
