//! Bringing the shared database's schema up to date.
//!
//! The migrations under `migrations/postgres` are embedded in the binary
//! and applied in one transaction each; sqlx takes an advisory lock while it
//! applies them, so nodes starting together apply each migration once. A
//! database that has a migration this binary does not know was written by
//! a newer mailflow: it is refused, not changed.

use crate::{Result, StoreError};
use sqlx::PgPool;
use sqlx::migrate::{MigrateError, Migrator};

pub(super) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

pub async fn migrate(pool: &PgPool) -> Result<()> {
    match MIGRATOR.run(pool).await {
        Ok(()) => Ok(()),
        Err(MigrateError::VersionMissing(version)) => Err(StoreError::Schema(format!(
            "the database's schema is newer than this mailflow: it has migration {version}, \
             and this mailflow knows migrations up to {}; run a mailflow at least as new as the \
             one that last wrote to it",
            known_version()
        ))),
        Err(MigrateError::Execute(error)) => Err(error.into()),
        Err(error) => Err(StoreError::Schema(format!(
            "the database's schema could not be brought up to date: {error}"
        ))),
    }
}

/// The newest migration this binary carries.
fn known_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}
