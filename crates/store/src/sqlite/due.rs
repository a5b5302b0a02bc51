//! What is due and when: the scheduler's view of the queue.
//!
//! Both questions are answered next hop by next hop from the partial index
//! on waiting recipients (`recipients_hop_due`: next hop, due time, …): the
//! next hops with waiting recipients are found by skipping through it, one
//! step per next hop, and each one's earliest due time is at its front. A
//! next hop's hold is folded in there (see `holds`): while it lasts,
//! nothing of the hop is due, whatever its recipients' own due times say.
//! So the cost follows the number of next hops and the work that is due,
//! not the size of the queue: a dead next hop's backlog of a million
//! recipients is never walked.

use super::codec::{count_to_u64, time_from_db, time_to_db};
use super::holds::not_before_hold;
use super::rows::{self, HOLD_COLUMNS};
use crate::{DueNextHop, NextHopHold, Result};
use sqlx::{Row, SqliteConnection};
use std::collections::HashMap;
use time::OffsetDateTime;

const WAITING: &str = "state IN ('queued', 'deferred')";

/// A next hop with waiting recipients: the earliest due time among them,
/// and its hold if it has one.
struct WaitingHop {
    next_hop: String,
    first_due: i64,
    hold: Option<NextHopHold>,
}

impl WaitingHop {
    /// When the hop has work: its earliest due time, or its hold's end if later.
    fn due_at(&self) -> i64 {
        let hold_end = self.hold.as_ref().map_or(i64::MIN, |h| time_to_db(h.until));
        self.first_due.max(hold_end)
    }
}

/// Every next hop with waiting (`queued` or `deferred`) recipients, in
/// name order: a loose index scan, one index search per next hop (the
/// recursive query asks for the first name after the previous one).
async fn waiting_hops(conn: &mut SqliteConnection) -> Result<Vec<WaitingHop>> {
    let mut holds = all_holds(&mut *conn).await?;
    let sql = waiting_hops_sql();
    let rows = sqlx::query(&sql).fetch_all(conn).await?;
    let mut hops = Vec::with_capacity(rows.len());
    for row in rows {
        let next_hop: String = row.try_get("next_hop")?;
        // A waiting recipient always has a due time (see `record`).
        let Some(first_due) = row.try_get::<Option<i64>, _>("first_due")? else {
            continue;
        };
        let hold = holds.remove(&next_hop);
        hops.push(WaitingHop {
            next_hop,
            first_due,
            hold,
        });
    }
    Ok(hops)
}

fn waiting_hops_sql() -> String {
    format!(
        "WITH RECURSIVE hops (next_hop) AS ( \
           SELECT (SELECT MIN(next_hop) FROM recipients WHERE {WAITING}) \
           UNION ALL \
           SELECT (SELECT MIN(r.next_hop) FROM recipients r \
                   WHERE r.{WAITING} AND r.next_hop > hops.next_hop) \
           FROM hops WHERE hops.next_hop IS NOT NULL) \
         SELECT next_hop, (SELECT MIN(r.next_attempt_at) FROM recipients r \
                           WHERE r.next_hop = hops.next_hop AND r.{WAITING}) AS first_due \
         FROM hops WHERE next_hop IS NOT NULL"
    )
}

/// Next hops with work due at `now`, each with how many of its recipients
/// are due, counted up to `max_count`.
pub async fn due_next_hops(
    conn: &mut SqliteConnection,
    now: OffsetDateTime,
    max_count: u64,
) -> Result<Vec<DueNextHop>> {
    let now_db = time_to_db(now);
    let mut due = Vec::new();
    for hop in waiting_hops(&mut *conn).await? {
        if hop.due_at() > now_db {
            continue;
        }
        let due_recipients = count_due(&mut *conn, &hop.next_hop, now_db, max_count).await?;
        due.push(DueNextHop {
            next_hop: hop.next_hop,
            due_recipients,
            hold: hop.hold,
        });
    }
    Ok(due)
}

/// Due recipients of one next hop, up to `max_count`: a walk of at most
/// that many index entries.
async fn count_due(
    conn: &mut SqliteConnection,
    next_hop: &str,
    now: i64,
    max_count: u64,
) -> Result<u64> {
    let limit = i64::try_from(max_count).unwrap_or(i64::MAX);
    let sql = count_due_sql();
    let count: i64 = sqlx::query_scalar(&sql)
        .bind(next_hop)
        .bind(now)
        .bind(limit)
        .fetch_one(conn)
        .await?;
    count_to_u64("due", count)
}

fn count_due_sql() -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM recipients \
         WHERE next_hop = ? AND {WAITING} AND next_attempt_at <= ? LIMIT ?)"
    )
}

async fn all_holds(conn: &mut SqliteConnection) -> Result<HashMap<String, NextHopHold>> {
    let sql = format!("SELECT {HOLD_COLUMNS} FROM next_hop_holds");
    let rows = sqlx::query(&sql).fetch_all(conn).await?;
    rows.iter()
        .map(|row| rows::hold(row).map(|hold| (hold.next_hop.clone(), hold)))
        .collect()
}

/// The earliest time at which some next hop has work (its earliest due
/// time, or its hold's end when later) or a message that has recipients
/// waiting (queued, deferred or suspended) expires.
pub async fn next_wakeup(conn: &mut SqliteConnection) -> Result<Option<OffsetDateTime>> {
    let next_attempt = waiting_hops(&mut *conn)
        .await?
        .iter()
        .map(WaitingHop::due_at)
        .min();
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
        not_before_hold("?1")
    );
    let recovered = sqlx::query(&sql)
        .bind(time_to_db(now))
        .bind(node)
        .execute(conn)
        .await?;
    Ok(recovered.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::super::plans::assert_walks_no_backlog;

    #[tokio::test]
    async fn finding_waiting_next_hops_seeks_the_index_once_per_next_hop() {
        assert_walks_no_backlog(&super::waiting_hops_sql()).await;
    }

    #[tokio::test]
    async fn counting_a_hops_due_recipients_reads_only_the_due_range() {
        assert_walks_no_backlog(&super::count_due_sql()).await;
    }
}
