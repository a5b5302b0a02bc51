//! What is due and when: the scheduler's view of the queue.
//!
//! Both questions are answered from the partial index on pending
//! recipients' due times, so their cost follows the work that is due, not
//! the size of the queue. Holds are few and are read whole.

use super::codec::{count_to_u64, time_from_db, time_to_db};
use super::holds::not_before_hold;
use super::rows::{self, HOLD_COLUMNS};
use crate::{DueNextHop, NextHopHold, Result};
use sqlx::{Row, SqliteConnection};
use std::collections::HashMap;
use time::OffsetDateTime;

/// The hint `INDEXED BY recipients_due` is needed: left alone, SQLite would
/// rather walk every pending recipient in next-hop order than sort the due
/// ones.
pub async fn due_next_hops(
    conn: &mut SqliteConnection,
    now: OffsetDateTime,
) -> Result<Vec<DueNextHop>> {
    let now_db = time_to_db(now);
    let mut holds = all_holds(conn).await?;
    let rows = sqlx::query(
        "SELECT next_hop, COUNT(*) AS due FROM recipients INDEXED BY recipients_due \
         WHERE state IN ('queued', 'deferred') AND next_attempt_at <= ? \
         GROUP BY next_hop ORDER BY next_hop",
    )
    .bind(now_db)
    .fetch_all(conn)
    .await?;
    let mut due = Vec::with_capacity(rows.len());
    for row in rows {
        let next_hop: String = row.try_get("next_hop")?;
        let hold = holds.remove(&next_hop);
        if hold.as_ref().is_some_and(|hold| hold.until > now) {
            continue;
        }
        let due_recipients = count_to_u64("due", row.try_get("due")?)?;
        due.push(DueNextHop {
            next_hop,
            due_recipients,
            hold,
        });
    }
    Ok(due)
}

async fn all_holds(conn: &mut SqliteConnection) -> Result<HashMap<String, NextHopHold>> {
    let sql = format!("SELECT {HOLD_COLUMNS} FROM next_hop_holds");
    let rows = sqlx::query(&sql).fetch_all(conn).await?;
    rows.iter()
        .map(|row| rows::hold(row).map(|hold| (hold.next_hop.clone(), hold)))
        .collect()
}

/// The earliest due time of a pending recipient (holds are already folded
/// into due times, see `holds`) or expiry of a message that has recipients
/// waiting (queued, deferred or suspended).
pub async fn next_wakeup(conn: &mut SqliteConnection) -> Result<Option<OffsetDateTime>> {
    let next_attempt: Option<i64> = sqlx::query_scalar(
        "SELECT next_attempt_at FROM recipients \
         WHERE state IN ('queued', 'deferred') AND next_attempt_at IS NOT NULL \
         ORDER BY next_attempt_at LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let next_expiry: Option<i64> = sqlx::query_scalar(
        "SELECT m.expires_at FROM messages m WHERE m.pending = 1 AND EXISTS \
         (SELECT 1 FROM recipients r WHERE r.message_id = m.id \
          AND r.state IN ('queued', 'deferred', 'suspended')) \
         ORDER BY m.expires_at LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    let earliest = [next_attempt, next_expiry].into_iter().flatten().min();
    Ok(earliest.map(time_from_db))
}

/// Puts recipients left in flight by `node`, or whose lease ran out, back
/// in the queue, due now (or when their next hop's hold ends).
pub async fn recover_in_flight(
    conn: &mut SqliteConnection,
    node: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    let sql = format!(
        "UPDATE recipients SET state = 'queued', next_attempt_at = {}, \
         lease_node = NULL, lease_until = NULL, updated_at = ?1 \
         WHERE state = 'in_flight' AND (lease_node = ?2 OR lease_until < ?1)",
        not_before_hold(1)
    );
    let recovered = sqlx::query(&sql)
        .bind(time_to_db(now))
        .bind(node)
        .execute(conn)
        .await?;
    Ok(recovered.rows_affected())
}
