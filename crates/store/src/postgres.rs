//! The shared back end: one PostgreSQL database for every node of a
//! cluster (`[store] url = "postgres://…"`).
//!
//! Every node opens a small pool of connections to the same database; the
//! schema is the embedded store's, without triggers (`migrations/postgres`,
//! applied at start-up by the first node to get there), with the same
//! column encodings (`crate::columns`). Bodies live in the database in
//! pieces, so that any node can deliver any message.
//!
//! Each `role_*` module implements one of the store's role traits; with
//! all of them, `PostgresStore` is a `Store`.

mod admin_tokens;
mod alert_outbox;
mod alerts;
mod audit;
mod changes;
mod insight;
mod invalid_recipients;
mod nodes;
mod operator;
mod optional_key;
mod organisations;
#[cfg(test)]
mod plans;
mod queue;
mod role_alerts;
mod role_audit;
mod role_auth;
mod role_bodies;
mod role_cluster;
mod role_insight;
mod role_nodes;
mod role_operator;
mod role_queue;
mod role_settings;
mod schema;
mod settings;
mod submission_users;
mod transaction;

use crate::error::DatabaseError;
use crate::{Result, StoreError};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// How a node uses the database.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// Connections this node keeps open at most.
    pub max_connections: u32,
    /// How long a request waits for a connection (or to connect) before it
    /// fails as "unreachable": new mail then gets `451 4.3.0` and is
    /// retried by its sender.
    pub acquire_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// A node's handle on the shared database.
pub struct PostgresStore {
    pool: PgPool,
    /// Group commit of accepted messages and outcome records.
    batcher: queue::batcher::Batcher,
    /// What other nodes change, heard by `listening`.
    changes: crate::StoreChanges,
    listening: tokio::task::JoinHandle<()>,
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.listening.abort();
    }
}

impl PostgresStore {
    /// Connects to `url` and brings the schema up to date. Fails with a
    /// message naming the server when it cannot be reached, and with
    /// `StoreError::Schema` when the database was written by a newer
    /// mailflow.
    pub async fn connect(url: &str, options: PostgresOptions) -> Result<PostgresStore> {
        let connect = PgConnectOptions::from_str(url).map_err(|e| {
            StoreError::Schema(format!("the store url is not a PostgreSQL url: {e}"))
        })?;
        let server = format!("{}:{}", connect.get_host(), connect.get_port());
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| {
                DatabaseError::unreachable(format!("cannot reach PostgreSQL at {server}"), e)
            })?;
        schema::migrate(&pool).await?;
        let batcher = queue::batcher::Batcher::start(pool.clone());
        let (changes, listening) = changes::listen(pool.clone());
        Ok(PostgresStore {
            pool,
            batcher,
            changes,
            listening,
        })
    }

    /// Closes the pool's connections.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// Whether PostgreSQL said the disk is full (`53100 disk_full`).
pub(crate) fn is_out_of_space(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some("53100"))
}
