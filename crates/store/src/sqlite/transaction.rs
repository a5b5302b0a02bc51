//! Write transactions on the writer's connection.
//!
//! Transactions are plain `BEGIN IMMEDIATE` / `COMMIT` / `ROLLBACK`
//! statements rather than sqlx's `Transaction`: SQLite may roll a
//! transaction back by itself when the disk is full, after which sqlx's own
//! bookkeeping would believe the connection is still inside one and refuse
//! every later `BEGIN`. Here a failed transaction always ends with a
//! `ROLLBACK` whose "no transaction is active" answer is ignored, and the
//! connection is clean again. Only the writer task runs these, to the end,
//! so no transaction is ever abandoned half-way by a cancelled caller.

use super::failure::on_write;
use crate::Result;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

pub async fn begin(conn: &mut SqliteConnection) -> Result<()> {
    on_write(execute(conn, "BEGIN IMMEDIATE").await)
}

pub async fn commit(conn: &mut SqliteConnection) -> Result<()> {
    let committed = on_write(execute(conn, "COMMIT").await);
    if committed.is_err() {
        rollback(conn).await;
    }
    committed
}

/// Ends whatever transaction is open; there may be none left.
pub async fn rollback(conn: &mut SqliteConnection) {
    if let Err(error) = execute(conn, "ROLLBACK").await {
        tracing::debug!(%error, "rollback after a failed write");
    }
}

/// Runs `work` in one transaction: committed when it succeeds, rolled back
/// when it fails. Errors caused by a full disk are `StoreError::Full`.
pub async fn in_transaction<T>(
    conn: &mut SqliteConnection,
    work: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T>,
) -> Result<T> {
    begin(conn).await?;
    match on_write(work(conn).await) {
        Ok(value) => commit(conn).await.map(|()| value),
        Err(error) => {
            rollback(conn).await;
            Err(error)
        }
    }
}

/// A write transaction sent to SQLite in one trip: `BEGIN IMMEDIATE`, the
/// statements pushed (each ending with `; `), `COMMIT`.
///
/// sqlx runs every SQLite connection on a thread of its own, and each
/// statement sent is a hand-off to that thread and back; on the busy paths
/// (accepts, outcomes) those hand-offs cost more than the statements. sqlx
/// 0.8 runs a query string of several statements in one hand-off, binding
/// anonymous `?` parameters in order across them, so the statements here
/// must use `?` only (numbered parameters would count from the first
/// statement). If the trip fails part-way, the transaction is rolled back.
pub struct OneTrip<'a> {
    sql: QueryBuilder<'a, Sqlite>,
    after: &'static str,
}

impl<'a> OneTrip<'a> {
    /// Starts the transaction.
    pub fn begin() -> OneTrip<'a> {
        Self::between("", "")
    }

    /// Starts the transaction after `before` and ends it with `after`:
    /// statements that must run outside it, such as a `PRAGMA` (empty, or
    /// `before` ending with `; `). `after` runs only when the commit did.
    pub fn between(before: &str, after: &'static str) -> OneTrip<'a> {
        OneTrip {
            sql: QueryBuilder::new(format!("{before}BEGIN IMMEDIATE; ")),
            after,
        }
    }

    /// Where the statements go.
    pub fn sql(&mut self) -> &mut QueryBuilder<'a, Sqlite> {
        &mut self.sql
    }

    /// Sends it all and commits; returns the rows the statements returned
    /// (`RETURNING` clauses), in order. Errors caused by a full disk are
    /// `StoreError::Full`.
    pub async fn commit(mut self, conn: &mut SqliteConnection) -> Result<Vec<SqliteRow>> {
        self.sql.push("COMMIT; ").push(self.after);
        // Each trip's text differs with its row count: caching each shape
        // would evict the statements that are reused.
        let sent = self
            .sql
            .build()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await;
        match sent {
            Ok(rows) => Ok(rows),
            Err(error) => {
                rollback(conn).await;
                on_write(Err(error.into()))
            }
        }
    }
}

async fn execute(conn: &mut SqliteConnection, statement: &'static str) -> Result<()> {
    sqlx::query(statement).execute(conn).await?;
    Ok(())
}
