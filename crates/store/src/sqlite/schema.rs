//! Opening the database file and bringing its schema up to date.
//!
//! The schema is a series of SQL migrations under `migrations/sqlite`,
//! embedded in the binary and applied by sqlx when the write connection
//! opens, so a data directory written by an older mailflow is upgraded in
//! place. The pragmas here are the durability contract: WAL, and
//! `synchronous=FULL` so that a commit is on disk when it returns.

use crate::Result;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, SqliteConnection, SqlitePool};
use std::path::Path;
use std::time::Duration;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// SQLite's page size for new databases (its default), for the size cap.
const PAGE_SIZE: u64 = 4096;

fn base_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
}

/// The write connection, with the schema migrated.
pub async fn open_writer(path: &Path, max_size_bytes: Option<u64>) -> Result<SqliteConnection> {
    let mut options = base_options(path)
        .create_if_missing(true)
        .page_size(PAGE_SIZE as u32);
    if let Some(max) = max_size_bytes {
        let pages = (max / PAGE_SIZE).max(1);
        options = options.pragma("max_page_count", pages.to_string());
    }
    let mut conn = options.connect().await?;
    MIGRATOR.run(&mut conn).await.map_err(sqlx::Error::from)?;
    Ok(conn)
}

/// Connections that only read (`query_only`), opened after the writer has
/// created and migrated the file.
pub async fn open_read_pool(path: &Path, connections: u32) -> Result<SqlitePool> {
    let options = base_options(path).pragma("query_only", "ON");
    let pool = SqlitePoolOptions::new()
        .max_connections(connections.max(1))
        .connect_with(options)
        .await?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::{base_options, open_writer};
    use crate::older_schema::{
        BEFORE_ORGANISATIONS, INSERT_TOKEN, TOKENS_AFTER, migrations_before,
    };
    use sqlx::{ConnectOptions, Connection};

    #[tokio::test]
    async fn tokens_made_before_organisations_are_for_all_and_audit_entries_the_default_ones() {
        let dir = tempfile::tempdir().unwrap();
        let migrations = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = base_options(&path)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        let older = migrations_before("sqlite", 20, migrations.path()).await;
        older.run(&mut conn).await.unwrap();
        for sql in BEFORE_ORGANISATIONS {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();

        let mut conn = open_writer(&path, None).await.unwrap();
        let token: (String, String, String) =
            sqlx::query_as("SELECT org, name, digest FROM admin_tokens")
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert_eq!(token, ("".into(), "ci".into(), "sha256:aa".into()));
        let org: Option<String> = sqlx::query_scalar("SELECT org FROM audit_log")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(org.as_deref(), Some("default"));
        for (org, name, digest, welcome) in TOKENS_AFTER {
            let insert = sqlx::query(INSERT_TOKEN).bind(org).bind(name).bind(digest);
            let inserted = insert.execute(&mut conn).await;
            assert_eq!(inserted.is_ok(), welcome, "{org:?} {name} {digest}");
        }
    }
}
