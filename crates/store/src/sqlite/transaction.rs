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
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Sqlite, SqliteConnection};

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

/// Sends `query` — a whole write transaction: `BEGIN IMMEDIATE`, its
/// statements, `COMMIT` — to SQLite in one trip, and returns the rows its
/// statements returned (`RETURNING` clauses), in order. If it fails
/// part-way, the transaction is rolled back. Errors caused by a full disk
/// are `StoreError::Full`.
///
/// sqlx runs every SQLite connection on a thread of its own, and each
/// query sent is a hand-off to that thread and back; on the busy paths
/// (accepts, outcomes) those hand-offs cost more than the statements. sqlx
/// 0.8 runs a query string of several statements in one hand-off, binding
/// anonymous `?` parameters in order across them (numbered ones would
/// count from the first statement), and keeps the prepared statements of
/// the whole string when its text is used again.
pub async fn send_in_one_trip<'q>(
    conn: &mut SqliteConnection,
    query: Query<'q, Sqlite, SqliteArguments<'q>>,
) -> Result<Vec<SqliteRow>> {
    match query.fetch_all(&mut *conn).await {
        Ok(rows) => Ok(rows),
        Err(error) => {
            rollback(conn).await;
            on_write(Err(error.into()))
        }
    }
}

async fn execute(conn: &mut SqliteConnection, statement: &'static str) -> Result<()> {
    sqlx::query(statement).execute(conn).await?;
    Ok(())
}
