//! Next-hop holds: a whole next hop waits after connection-level failures.
//!
//! A hold is one row: placing it writes nothing else. While it lasts,
//! nothing of its next hop is due, whatever the recipients' own due times
//! say: the scheduler's questions (`due`) and claims fold the holds in per
//! next hop, and so a dead next hop's backlog is never rewritten nor walked
//! at each failed probe. When the hold ends, the hop's recipients are due
//! (those due earlier at once), and the hold stays until released so that
//! the scheduler knows its next connection is a probe. Writes that give one
//! recipient a due time (accept, record, recovery, resume) still apply
//! `not_before_hold`, so that a recipient's own due time reads right, and
//! reads show a held hop's waiting recipients due at the hold's end.

use super::codec::{count_to_u64, json_to_db, time_to_db};
use super::transaction::in_transaction;
use crate::{NextHopHold, Result};
use sqlx::SqliteConnection;
use time::OffsetDateTime;

/// The due time `due` (an SQL expression: a parameter such as `?1`, or a
/// column) for a recipient row, moved to its next hop's hold end when that
/// is later. Used inside statements on `recipients`.
pub fn not_before_hold(due: &str) -> String {
    format!(
        "MAX({due}, COALESCE((SELECT h.until_at FROM next_hop_holds h \
         WHERE h.next_hop = recipients.next_hop), {due}))"
    )
}

pub async fn hold_next_hop(conn: &mut SqliteConnection, hold: &NextHopHold) -> Result<()> {
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

/// Lifts the hold and makes the hop's waiting recipients due now. Only
/// those due later are written (walking the index from `now` on); the
/// others are due already and keep their place. Returns how many are due.
pub async fn retry_now(
    conn: &mut SqliteConnection,
    next_hop: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    in_transaction(conn, async |conn| {
        release_next_hop(conn, next_hop).await?;
        let now = time_to_db(now);
        sqlx::query(
            "UPDATE recipients SET next_attempt_at = ?1, updated_at = ?1 \
             WHERE next_hop = ?2 AND state IN ('queued', 'deferred') AND next_attempt_at > ?1",
        )
        .bind(now)
        .bind(next_hop)
        .execute(&mut *conn)
        .await?;
        let due: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM recipients \
             WHERE next_hop = ? AND state IN ('queued', 'deferred')",
        )
        .bind(next_hop)
        .fetch_one(conn)
        .await?;
        count_to_u64("due", due)
    })
    .await
}
