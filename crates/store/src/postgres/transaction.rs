//! Writes on the shared database: one transaction each, run again when it
//! meets a concurrent one.
//!
//! Nodes write the same rows (a connector's waiting counts, a message whose
//! recipients two nodes deliver) and PostgreSQL may roll one of two
//! transactions back to break a deadlock. Such a transaction changed
//! nothing, so it is run again, a few times at most.

use crate::error::on_write;
use crate::{DatabaseFailure, Result, StoreError};

/// Runs of one transaction, the first included.
const MAX_RUNS: u32 = 5;

/// Runs `$body` (an expression using `$conn: &mut PgConnection`) in a
/// transaction on `$pool` and commits it; runs it again after a deadlock
/// or a serialization failure. A full disk is `StoreError::Full`. (A
/// macro rather than a function taking a closure: the closure's future
/// would have to be `Send` for every lifetime of the connection.)
macro_rules! write {
    ($pool:expr, $conn:ident => $body:expr) => {{
        let mut runs = 0;
        loop {
            runs += 1;
            let result: $crate::Result<_> = async {
                let mut tx = $pool.begin().await?;
                let value = {
                    let $conn: &mut ::sqlx::PgConnection = &mut tx;
                    $body.await?
                };
                tx.commit().await?;
                Ok(value)
            }
            .await;
            if let Some(result) = $crate::postgres::transaction::finished(result, runs) {
                break result;
            }
        }
    }};
}
pub(crate) use write;

/// The transaction's result, or `None` when it is to run again.
pub fn finished<T>(result: Result<T>, runs: u32) -> Option<Result<T>> {
    match result {
        Err(StoreError::Database(error))
            if error.failure() == DatabaseFailure::Conflict && runs < MAX_RUNS =>
        {
            tracing::debug!(%error, runs, "a transaction met another; running it again");
            None
        }
        other => Some(on_write(other)),
    }
}

/// A read-only transaction that sees one snapshot throughout, for reads
/// whose statements must agree (the waiting counts and the seeks beside
/// them).
pub async fn snapshot(pool: &sqlx::PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}
