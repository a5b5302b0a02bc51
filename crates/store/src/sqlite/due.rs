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

use super::codec::{count_to_u64, id_to_db, time_from_db, time_to_db};
use super::events::{INSERT_EVENTS, events_json};
use super::holds::not_before_hold;
use super::rows::{self, RECOVERED_COLUMNS, recovered_event};
use super::transaction::in_transaction;
use crate::{DueNextHop, NextHopHold, Result, Schedule};
use mailflow_core::MessageId;
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;

/// Recipients the scheduler will try: queued or deferred.
pub const WAITING: &str = "state IN ('queued', 'deferred')";

/// Recipients not done yet: the states the partial indexes over the
/// pending part of the queue cover. A statement must say it in these words
/// for SQLite to read those indexes.
pub const PENDING: &str = "state IN ('queued', 'in_flight', 'deferred', 'suspended')";

/// A next hop with waiting recipients: the earliest due time among them,
/// and its hold if it has one.
struct WaitingHop {
    next_hop: String,
    first_due: i64,
    hold: Option<NextHopHold>,
    /// Counted only when the hop has work due.
    due_recipients: u64,
}

impl WaitingHop {
    /// When the hop has work: its earliest due time, or its hold's end if later.
    fn due_at(&self) -> i64 {
        let hold_end = self.hold.as_ref().map_or(i64::MIN, |h| time_to_db(h.until));
        self.first_due.max(hold_end)
    }
}

/// Every next hop with waiting (`queued` or `deferred`) recipients, in
/// name order, with its hold and — when it has work due at `now` — its due
/// recipients counted up to `max_count`: one statement, because the
/// scheduler asks at every wake-up (many times a second under load).
async fn waiting_hops(
    conn: &mut SqliteConnection,
    now: i64,
    max_count: u64,
) -> Result<Vec<WaitingHop>> {
    let limit = i64::try_from(max_count).unwrap_or(i64::MAX);
    let rows = sqlx::query(&waiting_hops_sql())
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    let mut hops = Vec::with_capacity(rows.len());
    for row in rows {
        // A waiting recipient always has a due time (see `record`).
        let Some(first_due) = row.try_get::<Option<i64>, _>("first_due")? else {
            continue;
        };
        let held: Option<i64> = row.try_get("until_at")?;
        let hold = match held {
            Some(_) => Some(rows::hold(&row)?),
            None => None,
        };
        hops.push(WaitingHop {
            next_hop: row.try_get("next_hop")?,
            first_due,
            hold,
            due_recipients: count_to_u64("due", row.try_get("due_recipients")?)?,
        });
    }
    Ok(hops)
}

/// The loose index scan finds the next hops (the recursive part asks for
/// the first name after the previous one); each hop's earliest due time is
/// at the front of its range of the index, and its due recipients are
/// counted (a walk of at most `?2` entries) only when neither that time nor
/// its hold puts its work after `?1`.
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
                CASE WHEN MAX(first_due, COALESCE(until_at, first_due)) <= ?1 \
                THEN (SELECT COUNT(*) FROM (SELECT 1 FROM recipients r \
                      WHERE r.next_hop = waiting.next_hop AND r.{WAITING} \
                      AND r.next_attempt_at <= ?1 LIMIT ?2)) \
                ELSE 0 END AS due_recipients \
         FROM waiting"
    )
}

/// What the scheduler needs at a wake-up: the next hops with work due at
/// `now` (each with its due recipients counted up to `max_count`), and the
/// earliest time at which some next hop has work.
pub async fn schedule(
    conn: &mut SqliteConnection,
    now: OffsetDateTime,
    max_count: u64,
) -> Result<Schedule> {
    let now_db = time_to_db(now);
    let hops = waiting_hops(conn, now_db, max_count).await?;
    let next_attempt = hops.iter().map(WaitingHop::due_at).min().map(time_from_db);
    let due = hops
        .into_iter()
        .filter(|hop| hop.due_at() <= now_db)
        .map(|hop| DueNextHop {
            next_hop: hop.next_hop,
            due_recipients: hop.due_recipients,
            hold: hop.hold,
        })
        .collect();
    Ok(Schedule { due, next_attempt })
}

/// The earliest expiry of a message that has recipients waiting (queued,
/// deferred or suspended).
pub async fn next_expiry(conn: &mut SqliteConnection) -> Result<Option<OffsetDateTime>> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT m.expires_at FROM messages m WHERE m.pending = 1 AND EXISTS \
         (SELECT 1 FROM recipients r WHERE r.message_id = m.id \
          AND r.state IN ('queued', 'deferred', 'suspended')) \
         ORDER BY m.expires_at LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    Ok(at.map(time_from_db))
}

/// The earliest time at which some next hop has work (its earliest due
/// time, or its hold's end when later) or a message that has recipients
/// waiting expires.
pub async fn next_wakeup(conn: &mut SqliteConnection) -> Result<Option<OffsetDateTime>> {
    // The due counts are not needed: a cap of 0 skips them.
    let next_attempt = schedule(&mut *conn, OffsetDateTime::UNIX_EPOCH, 0)
        .await?
        .next_attempt;
    let next_expiry = next_expiry(conn).await?;
    Ok([next_attempt, next_expiry].into_iter().flatten().min())
}

/// Puts recipients left in flight by `node`, or whose lease ran out, back
/// in the queue, due now (or when their next hop's hold ends), each with a
/// `recovered` event naming the node that held it: its delivery may have
/// got through.
/// `node` `None`: only the recipients whose lease ran out.
pub async fn recover_in_flight(
    conn: &mut SqliteConnection,
    node: Option<&str>,
    now: OffsetDateTime,
) -> Result<u64> {
    in_transaction(conn, async |conn| {
        let taken_back = format!(
            "SELECT {RECOVERED_COLUMNS} FROM recipients \
             WHERE state = 'in_flight' AND (lease_node IS ?2 OR lease_until < ?1)"
        );
        let rows = sqlx::query(&taken_back)
            .bind(time_to_db(now))
            .bind(node)
            .fetch_all(&mut *conn)
            .await?;
        let events = rows
            .iter()
            .map(|row| recovered_event(row, now))
            .collect::<Result<Vec<_>>>()?;
        let sql = format!(
            "UPDATE recipients SET state = 'queued', next_attempt_at = {}, \
             lease_node = NULL, lease_until = NULL, updated_at = ?1 \
             WHERE state = 'in_flight' AND (lease_node IS ?2 OR lease_until < ?1)",
            not_before_hold("?1")
        );
        let recovered = sqlx::query(&sql)
            .bind(time_to_db(now))
            .bind(node)
            .execute(&mut *conn)
            .await?;
        if !events.is_empty() {
            sqlx::query(INSERT_EVENTS)
                .bind(events_json(&events))
                .execute(conn)
                .await?;
        }
        Ok(recovered.rows_affected())
    })
    .await
}

/// Puts these recipients back in the queue if they are still in flight
/// under `node`'s lease (those whose outcome was recorded are left alone),
/// due at `retry_at` (or when their next hop's hold ends).
pub async fn release_claims(
    conn: &mut SqliteConnection,
    node: &str,
    claims: &[(MessageId, u32)],
    now: OffsetDateTime,
    retry_at: OffsetDateTime,
) -> Result<u64> {
    let sql = format!(
        "UPDATE recipients SET state = 'queued', next_attempt_at = {}, \
         lease_node = NULL, lease_until = NULL, updated_at = ?1 \
         WHERE message_id = ?3 AND idx = ?4 AND state = 'in_flight' AND lease_node = ?2",
        not_before_hold("?5")
    );
    let mut released = 0;
    for (message_id, index) in claims {
        released += sqlx::query(&sql)
            .bind(time_to_db(now))
            .bind(node)
            .bind(id_to_db(*message_id))
            .bind(i64::from(*index))
            .bind(time_to_db(retry_at))
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(released)
}

/// Moves the end of every lease `node` holds to `until`, never earlier.
pub async fn renew_leases(
    conn: &mut SqliteConnection,
    node: &str,
    until: OffsetDateTime,
) -> Result<u64> {
    let renewed = sqlx::query(
        "UPDATE recipients SET lease_until = ?2 \
         WHERE state = 'in_flight' AND lease_node = ?1 AND lease_until < ?2",
    )
    .bind(node)
    .bind(time_to_db(until))
    .execute(conn)
    .await?;
    Ok(renewed.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::super::plans::assert_walks_no_backlog;

    #[tokio::test]
    async fn finding_waiting_next_hops_and_counting_what_is_due_seeks_the_index() {
        assert_walks_no_backlog(&super::waiting_hops_sql()).await;
    }
}
