//! What is due and when, and leases: the scheduler's view of the shared
//! queue.
//!
//! As in the embedded store, the next hops with waiting recipients are
//! found by skipping through the partial index on waiting recipients, one
//! step per next hop, and each one's earliest due time is at its front, so
//! the cost follows the number of next hops, not the size of the queue. A
//! hold is folded in per next hop.

use super::waiting::{WAITING, not_before_hold};
use crate::columns::{ColumnRow, count_to_u64, id_to_db, time_from_db, time_to_db};
use crate::postgres::changes;
use crate::queue_rows::{HOLD_COLUMNS, RECOVERED_COLUMNS, hold, recovered_event};
use crate::{DueNextHop, Result, Schedule};
use mailflow_core::MessageId;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

/// Every next hop with waiting recipients, with its earliest due time, its
/// hold, and — when it has work due at `$1` — its due recipients counted up
/// to `$2`.
fn waiting_hops_sql() -> String {
    format!(
        "WITH RECURSIVE hops (next_hop) AS ( \
           SELECT (SELECT MIN(next_hop) FROM recipients WHERE {WAITING}) \
           UNION ALL \
           SELECT (SELECT MIN(r.next_hop) FROM recipients r \
                   WHERE r.{WAITING} AND r.next_hop > hops.next_hop) \
           FROM hops WHERE hops.next_hop IS NOT NULL), \
         waiting AS ( \
           SELECT hops.next_hop, \
                  (SELECT MIN(r.next_attempt_at) FROM recipients r \
                   WHERE r.next_hop = hops.next_hop AND r.{WAITING}) AS first_due, \
                  h.until_at, h.failures, h.diagnosis \
           FROM hops LEFT JOIN next_hop_holds h ON h.next_hop = hops.next_hop \
           WHERE hops.next_hop IS NOT NULL) \
         SELECT next_hop, first_due, until_at, failures, diagnosis, \
                CASE WHEN GREATEST(first_due, until_at) <= $1 \
                THEN (SELECT COUNT(*) FROM (SELECT 1 FROM recipients r \
                      WHERE r.next_hop = waiting.next_hop AND r.{WAITING} \
                      AND r.next_attempt_at <= $1 LIMIT $2) due) \
                ELSE 0 END AS due_recipients \
         FROM waiting WHERE first_due IS NOT NULL"
    )
}

/// What the scheduler needs at a wake-up: the next hops with work due at
/// `now`, and the earliest time at which some next hop has work.
pub async fn schedule(pool: &PgPool, now: OffsetDateTime, max_count: u64) -> Result<Schedule> {
    let now_db = time_to_db(now);
    let rows = sqlx::query(&waiting_hops_sql())
        .bind(now_db)
        .bind(i64::try_from(max_count).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?;
    let mut next_attempt: Option<i64> = None;
    let mut due = Vec::new();
    for row in &rows {
        let first_due = row.int("first_due")?;
        let hold_until = row.opt_int("until_at")?;
        let due_at = first_due.max(hold_until.unwrap_or(i64::MIN));
        next_attempt = Some(next_attempt.map_or(due_at, |at| at.min(due_at)));
        if due_at <= now_db {
            due.push(DueNextHop {
                next_hop: row.text("next_hop")?,
                due_recipients: count_to_u64("due", row.int("due_recipients")?)?,
                hold: hold_until.map(|_| hold(row)).transpose()?,
            });
        }
    }
    Ok(Schedule {
        due,
        next_attempt: next_attempt.map(time_from_db),
    })
}

/// The earliest expiry of a message that has recipients waiting (queued,
/// deferred or suspended).
pub async fn next_expiry(pool: &PgPool) -> Result<Option<OffsetDateTime>> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT m.expires_at FROM messages m WHERE m.pending AND EXISTS \
         (SELECT 1 FROM recipients r WHERE r.message_id = m.id \
          AND r.state IN ('queued', 'deferred', 'suspended')) \
         ORDER BY m.expires_at LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    Ok(at.map(time_from_db))
}

pub async fn next_wakeup(pool: &PgPool) -> Result<Option<OffsetDateTime>> {
    // The due counts are not needed: a cap of 0 skips them.
    let next_attempt = schedule(pool, OffsetDateTime::UNIX_EPOCH, 0)
        .await?
        .next_attempt;
    let next_expiry = next_expiry(pool).await?;
    Ok([next_attempt, next_expiry].into_iter().flatten().min())
}

/// Puts recipients left in flight by `node`, or whose lease ran out
/// (whichever node held them), back in the queue, due now (or when their
/// next hop's hold ends), each with a `recovered` event naming the node
/// that held it: its delivery may have got through. A recipient whose
/// outcome its node is recording at this moment (its row locked) is left
/// to that outcome.
/// `node` `None`: only the recipients whose lease ran out.
pub async fn recover_in_flight(
    conn: &mut PgConnection,
    node: Option<&str>,
    now: OffsetDateTime,
) -> Result<u64> {
    let sql = format!(
        "WITH old AS (SELECT {RECOVERED_COLUMNS} FROM recipients \
           WHERE state = 'in_flight' AND (lease_node = $2 OR lease_until < $1) \
           ORDER BY message_id, idx FOR UPDATE SKIP LOCKED) \
         UPDATE recipients r SET state = 'queued', next_attempt_at = {}, \
           lease_node = NULL, lease_until = NULL, updated_at = $1 \
         FROM old WHERE r.message_id = old.message_id AND r.idx = old.idx \
         RETURNING old.message_id, old.idx, old.address, old.next_hop, \
           old.route_connector, old.lease_node",
        not_before_hold("$1", "r")
    );
    let rows = sqlx::query(&sql)
        .bind(time_to_db(now))
        .bind(node)
        .fetch_all(&mut *conn)
        .await?;
    let events = rows
        .iter()
        .map(|row| recovered_event(row, now))
        .collect::<Result<Vec<_>>>()?;
    if !events.is_empty() {
        super::events::insert(&mut *conn, &events.iter().collect::<Vec<_>>()).await?;
        changes::queue_changed(conn).await?;
    }
    Ok(rows.len() as u64)
}

/// Puts these recipients back in the queue if they are still in flight
/// under `node`'s lease, due at `retry_at` (or when their next hop's hold
/// ends).
pub async fn release_claims(
    conn: &mut PgConnection,
    node: &str,
    claims: &[(MessageId, u32)],
    now: OffsetDateTime,
    retry_at: OffsetDateTime,
) -> Result<u64> {
    let sql = format!(
        "UPDATE recipients r SET state = 'queued', next_attempt_at = {}, \
         lease_node = NULL, lease_until = NULL, updated_at = $1 \
         FROM unnest($3::bytea[], $4::bigint[]) AS c (message_id, idx) \
         WHERE r.message_id = c.message_id AND r.idx = c.idx \
           AND r.state = 'in_flight' AND r.lease_node = $2",
        not_before_hold("$5", "r")
    );
    let released = sqlx::query(&sql)
        .bind(time_to_db(now))
        .bind(node)
        .bind(
            claims
                .iter()
                .map(|(id, _)| id_to_db(*id))
                .collect::<Vec<_>>(),
        )
        .bind(
            claims
                .iter()
                .map(|(_, index)| i64::from(*index))
                .collect::<Vec<_>>(),
        )
        .bind(time_to_db(retry_at))
        .execute(&mut *conn)
        .await?;
    if released.rows_affected() > 0 {
        changes::queue_changed(conn).await?;
    }
    Ok(released.rows_affected())
}

/// Moves the end of every lease `node` holds to `until`: a node that is
/// still delivering keeps its work; one that stopped lets it run out.
pub async fn renew_leases(pool: &PgPool, node: &str, until: OffsetDateTime) -> Result<u64> {
    let renewed = sqlx::query(
        "UPDATE recipients SET lease_until = $2 \
         WHERE state = 'in_flight' AND lease_node = $1 AND lease_until < $2",
    )
    .bind(node)
    .bind(time_to_db(until))
    .execute(pool)
    .await?;
    Ok(renewed.rows_affected())
}

/// The hold of a next hop, if it has one.
pub async fn next_hop_hold(pool: &PgPool, next_hop: &str) -> Result<Option<crate::NextHopHold>> {
    let sql = format!("SELECT {HOLD_COLUMNS} FROM next_hop_holds WHERE next_hop = $1");
    let row = sqlx::query(&sql)
        .bind(next_hop)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(hold).transpose()
}
