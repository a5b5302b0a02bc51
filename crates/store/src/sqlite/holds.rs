//! Next-hop holds: a whole next hop waits after connection-level failures.
//!
//! The store keeps one invariant for holds: a pending recipient of a held
//! next hop is never due before the hold ends. Placing a hold pushes the
//! hop's due times up to its end, and every write that sets a due time
//! (accept, record, recovery) applies `not_before_hold`. That keeps the
//! wake-up time a plain minimum over an index — a held hop's backlog is
//! never due in the past and never walked — and the hold's end is when its
//! recipients are due. An expired hold stays until released so that the
//! scheduler knows its next connection is a probe.

use super::codec::{json_to_db, time_to_db};
use super::transaction::in_transaction;
use crate::{NextHopHold, Result};
use sqlx::SqliteConnection;
use time::OffsetDateTime;

/// The due time `?{param}` for a recipient row, moved to its next hop's hold
/// end when that is later. Used inside statements on `recipients`.
pub fn not_before_hold(param: u8) -> String {
    format!(
        "MAX(?{param}, COALESCE((SELECT h.until_at FROM next_hop_holds h \
         WHERE h.next_hop = recipients.next_hop), ?{param}))"
    )
}

pub async fn hold_next_hop(conn: &mut SqliteConnection, hold: &NextHopHold) -> Result<()> {
    in_transaction(conn, async |conn| {
        save_hold(conn, hold).await?;
        due_not_before(conn, &hold.next_hop, time_to_db(hold.until)).await
    })
    .await
}

async fn save_hold(conn: &mut SqliteConnection, hold: &NextHopHold) -> Result<()> {
    sqlx::query(
        "INSERT INTO next_hop_holds (next_hop, until_at, failures, diagnosis) \
         VALUES (?, ?, ?, ?) ON CONFLICT (next_hop) DO UPDATE SET \
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

/// Moves the hop's waiting recipients due before `until` to `until`.
async fn due_not_before(conn: &mut SqliteConnection, next_hop: &str, until: i64) -> Result<()> {
    sqlx::query(
        "UPDATE recipients SET next_attempt_at = ?1 WHERE next_hop = ?2 \
         AND state IN ('queued', 'deferred') AND next_attempt_at < ?1",
    )
    .bind(until)
    .bind(next_hop)
    .execute(conn)
    .await?;
    Ok(())
}

/// Lifts the hold. Recipients keep their due times: after an expired hold
/// (a successful probe) they are due already; to make a hop's recipients
/// due before a hold's end, use `retry_now`.
pub async fn release_next_hop(conn: &mut SqliteConnection, next_hop: &str) -> Result<()> {
    sqlx::query("DELETE FROM next_hop_holds WHERE next_hop = ?")
        .bind(next_hop)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn retry_now(
    conn: &mut SqliteConnection,
    next_hop: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    in_transaction(conn, async |conn| {
        release_next_hop(conn, next_hop).await?;
        let updated = sqlx::query(
            "UPDATE recipients SET next_attempt_at = ?1, updated_at = ?1 \
             WHERE next_hop = ?2 AND state IN ('queued', 'deferred')",
        )
        .bind(time_to_db(now))
        .bind(next_hop)
        .execute(conn)
        .await?;
        Ok(updated.rows_affected())
    })
    .await
}
