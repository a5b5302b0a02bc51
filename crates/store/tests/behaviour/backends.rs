//! Every back end, opened empty for one test.

use mailflow_store::{
    AlertStore, AuditStore, AuthStore, BodyStore, ClusterStore, InsightStore, NodeStore,
    OperatorStore, PostgresOptions, PostgresStore, QueueStore, SettingsStore, SharedStore,
    SqliteStore,
};
use sqlx::Connection;
use std::sync::Arc;
use tempfile::TempDir;

pub use mailflow_testkit::postgres_schema::TestSchema;

/// A store of one back end, with what keeps it alive (its directory, its
/// schema) for as long as the test holds it.
pub enum Backend {
    Sqlite {
        store: Arc<SqliteStore>,
        _dir: TempDir,
    },
    Postgres {
        store: Arc<PostgresStore>,
        schema: TestSchema,
    },
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    pub fn audit(&self) -> Arc<dyn AuditStore> {
        match self {
            Backend::Sqlite { store, .. } => store.clone(),
            Backend::Postgres { store, .. } => store.clone(),
        }
    }

    pub fn auth(&self) -> Arc<dyn AuthStore> {
        match self {
            Backend::Sqlite { store, .. } => store.clone(),
            Backend::Postgres { store, .. } => store.clone(),
        }
    }

    pub fn alerts(&self) -> Arc<dyn AlertStore> {
        match self {
            Backend::Sqlite { store, .. } => store.clone(),
            Backend::Postgres { store, .. } => store.clone(),
        }
    }

    pub fn nodes(&self) -> Arc<dyn NodeStore> {
        match self {
            Backend::Sqlite { store, .. } => store.clone(),
            Backend::Postgres { store, .. } => store.clone(),
        }
    }

    pub fn cluster(&self) -> Arc<dyn ClusterStore> {
        match self {
            Backend::Sqlite { store, .. } => store.clone(),
            Backend::Postgres { store, .. } => store.clone(),
        }
    }

    /// Another node's handle on the same store: for PostgreSQL a second
    /// pool on the same schema, as a second `mailflow serve` would open;
    /// `None` for the embedded store, which one node owns.
    pub async fn second_node(&self) -> Option<Arc<PostgresStore>> {
        match self {
            Backend::Sqlite { .. } => None,
            Backend::Postgres { schema, .. } => Some(Arc::new(
                PostgresStore::connect(&schema.url, PostgresOptions::default())
                    .await
                    .expect("a second node connects"),
            )),
        }
    }

    pub fn queue(&self) -> Arc<dyn QueueAndBodies> {
        match self {
            Backend::Sqlite { store, .. } => store.clone(),
            Backend::Postgres { store, .. } => store.clone(),
        }
    }

    pub fn bodies(&self) -> Arc<dyn BodyStore> {
        match self {
            Backend::Sqlite { store, .. } => store.clone(),
            Backend::Postgres { store, .. } => store.clone(),
        }
    }

    pub fn settings(&self) -> Arc<dyn SettingsStore> {
        match self {
            Backend::Sqlite { store, .. } => store.clone(),
            Backend::Postgres { store, .. } => store.clone(),
        }
    }

    pub fn insight(&self) -> Arc<dyn InsightStore> {
        match self {
            Backend::Sqlite { store, .. } => store.clone(),
            Backend::Postgres { store, .. } => store.clone(),
        }
    }

    pub fn operator(&self) -> Arc<dyn OperatorStore> {
        match self {
            Backend::Sqlite { store, .. } => store.clone(),
            Backend::Postgres { store, .. } => store.clone(),
        }
    }

    /// Every role at once, as the node holds it: both back ends are a
    /// `Store`.
    pub fn store(&self) -> SharedStore {
        match self {
            Backend::Sqlite { store, .. } => store.clone(),
            Backend::Postgres { store, .. } => store.clone(),
        }
    }

    /// Rows of `table`, read beside the store (not through it).
    pub async fn count_rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match self {
            Backend::Sqlite { store, .. } => {
                let mut conn = sqlite_connection(store).await;
                sqlx::query_scalar(&sql).fetch_one(&mut conn).await.unwrap()
            }
            Backend::Postgres { schema, .. } => {
                let mut conn = sqlx::PgConnection::connect(&schema.url).await.unwrap();
                sqlx::query_scalar(&sql).fetch_one(&mut conn).await.unwrap()
            }
        }
    }

    /// Runs `sql` (statements separated by `;`) beside the store, as a
    /// migration would.
    pub async fn execute(&self, sql: &str) {
        match self {
            Backend::Sqlite { store, .. } => {
                let url = format!("sqlite://{}", store.path().display());
                let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            }
            Backend::Postgres { schema, .. } => {
                let mut conn = sqlx::PgConnection::connect(&schema.url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            }
        }
    }

    /// Rows of `table` that belong to `org` (in its `org` column), read
    /// beside the store.
    pub async fn org_rows(&self, table: &str, org: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE org = $1");
        match self {
            Backend::Sqlite { store, .. } => {
                let mut conn = sqlite_connection(store).await;
                sqlx::query_scalar(&sql)
                    .bind(org)
                    .fetch_one(&mut conn)
                    .await
            }
            Backend::Postgres { schema, .. } => {
                let mut conn = sqlx::PgConnection::connect(&schema.url).await.unwrap();
                sqlx::query_scalar(&sql)
                    .bind(org)
                    .fetch_one(&mut conn)
                    .await
            }
        }
        .unwrap()
    }

    /// An organisation's pending recipients per connector and last error
    /// code (MX routing and no code first), counted from the recipients
    /// themselves, beside the store.
    pub async fn pending_from_rows(&self, org: &str) -> Vec<(Option<String>, Option<String>, i64)> {
        let sql = "SELECT route_connector, last_error_code, COUNT(*) FROM recipients \
             WHERE org = $1 AND state IN ('queued', 'in_flight', 'deferred', 'suspended') \
             GROUP BY route_connector, last_error_code";
        let mut rows: Vec<(Option<String>, Option<String>, i64)> = match self {
            Backend::Sqlite { store, .. } => {
                let mut conn = sqlite_connection(store).await;
                sqlx::query_as(sql).bind(org).fetch_all(&mut conn).await
            }
            Backend::Postgres { schema, .. } => {
                let mut conn = sqlx::PgConnection::connect(&schema.url).await.unwrap();
                sqlx::query_as(sql).bind(org).fetch_all(&mut conn).await
            }
        }
        .unwrap();
        rows.sort();
        rows
    }
}

/// A read-only connection of its own to the embedded store's file.
async fn sqlite_connection(store: &SqliteStore) -> sqlx::SqliteConnection {
    let url = format!("sqlite://{}?mode=ro", store.path().display());
    sqlx::SqliteConnection::connect(&url).await.unwrap()
}

/// The queue with its bodies: most queue tests read both.
pub trait QueueAndBodies: QueueStore + BodyStore {}

impl<T: QueueStore + BodyStore> QueueAndBodies for T {}

/// A new, empty store of each back end.
pub async fn every_backend() -> Vec<Backend> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sqlite = SqliteStore::open(dir.path())
        .await
        .expect("sqlite store opens");
    let schema = TestSchema::create("mailflow_test").await;
    let postgres = PostgresStore::connect(&schema.url, PostgresOptions::default())
        .await
        .expect("postgres store opens");
    vec![
        Backend::Sqlite {
            store: Arc::new(sqlite),
            _dir: dir,
        },
        Backend::Postgres {
            store: Arc::new(postgres),
            schema,
        },
    ]
}
