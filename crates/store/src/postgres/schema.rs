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

#[cfg(test)]
mod tests {
    use super::migrate;
    use crate::older_schema::{
        BEFORE_ORGANISATIONS, INSERT_TOKEN, TOKENS_AFTER, migrations_before,
    };
    use mailflow_testkit::postgres_schema::TestSchema;
    use sqlx::PgPool;

    #[tokio::test]
    async fn tokens_made_before_organisations_are_for_all_and_audit_entries_the_default_ones() {
        let schema = TestSchema::create("mailflow_migration").await;
        let pool = PgPool::connect(&schema.url).await.unwrap();
        let migrations = tempfile::tempdir().unwrap();
        let older = migrations_before("postgres", 6, migrations.path()).await;
        older.run(&pool).await.unwrap();
        for sql in BEFORE_ORGANISATIONS {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }

        migrate(&pool).await.unwrap();
        let token: (String, String, String) =
            sqlx::query_as("SELECT org, name, digest FROM admin_tokens")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(token, ("".into(), "ci".into(), "sha256:aa".into()));
        let org: Option<String> = sqlx::query_scalar("SELECT org FROM audit_log")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(org.as_deref(), Some("default"));
        for (org, name, digest, welcome) in TOKENS_AFTER {
            let insert = sqlx::query(INSERT_TOKEN).bind(org).bind(name).bind(digest);
            let inserted = insert.execute(&pool).await;
            assert_eq!(inserted.is_ok(), welcome, "{org:?} {name} {digest}");
        }
        pool.close().await;
    }
}
