//! Next-hop holds: a whole next hop waits after connection-level failures.
//! A hold is one row, read by every node's scheduler and claims; placing
//! it writes nothing else (see the embedded store's `holds` for the whole
//! design, which this follows).

use crate::columns::{count_to_u64, json_to_db, time_to_db};
use crate::{NextHopHold, Result};
use sqlx::PgConnection;
use time::OffsetDateTime;

pub async fn hold_next_hop(conn: &mut PgConnection, hold: &NextHopHold) -> Result<()> {
    sqlx::query(
        "INSERT INTO next_hop_holds (next_hop, until_at, failures, diagnosis) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (next_hop) DO UPDATE SET \
         until_at = excluded.until_at, failures = excluded.failures, \
         diagnosis = excluded.diagnosis",
    )
    .bind(&hold.next_hop)
    .bind(time_to_db(hold.until))
    .bind(i64::from(hold.failures))
    .bind(json_to_db(&hold.diagnosis))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn release_next_hop(conn: &mut PgConnection, next_hop: &str) -> Result<()> {
    sqlx::query("DELETE FROM next_hop_holds WHERE next_hop = $1")
        .bind(next_hop)
        .execute(conn)
        .await?;
    Ok(())
}

/// Lifts the hold and makes the hop's waiting recipients due now (only
/// those due later are written). Returns how many are due.
pub async fn retry_now(
    conn: &mut PgConnection,
    next_hop: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    release_next_hop(conn, next_hop).await?;
    let now = time_to_db(now);
    sqlx::query(
        "UPDATE recipients SET next_attempt_at = $1, updated_at = $1 \
         WHERE next_hop = $2 AND state IN ('queued', 'deferred') AND next_attempt_at > $1",
    )
    .bind(now)
    .bind(next_hop)
    .execute(&mut *conn)
    .await?;
    let due: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM recipients WHERE next_hop = $1 AND state IN ('queued', 'deferred')",
    )
    .bind(next_hop)
    .fetch_one(&mut *conn)
    .await?;
    crate::postgres::changes::queue_changed(conn).await?;
    count_to_u64("due", due)
}
