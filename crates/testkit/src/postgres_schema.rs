//! A schema of its own on the test PostgreSQL server, for one test: tests
//! running at once do not see each other's rows, and nothing is left
//! behind.

use sqlx::Connection;

/// The server the tests use: `DATABASE_URL`, or the local one that
/// `scripts/test.sh` makes ready.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// Dropped (with everything in it) with the value.
pub struct TestSchema {
    pub name: String,
    /// `database_url()` with the schema as the connections' search path:
    /// what a store or a `mailflow serve` under test is given.
    pub url: String,
}

impl TestSchema {
    /// A new schema named `prefix_<unique>`.
    pub async fn create(prefix: &str) -> TestSchema {
        let base = database_url();
        let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&base)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL at {base} does not answer ({e}); start it (scripts/test.sh does) \
                     or set DATABASE_URL"
                )
            });
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut conn)
            .await
            .expect("test schema created");
        conn.close().await.ok();
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{name}");
        TestSchema { name, url }
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let (base, name) = (database_url(), self.name.clone());
        // Drop runs inside a test's runtime; the schema goes from a thread
        // with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let mut conn = sqlx::PgConnection::connect(&base).await?;
                sqlx::query(&format!("DROP SCHEMA {name} CASCADE"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await
            })
        });
        let _ = dropped.join();
    }
}
