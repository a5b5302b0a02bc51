//! Operator actions on a connector's queue: every recipient whose route goes
//! through the connector, across all its next hops (one per domain when it
//! routes by MX), in one organisation.
//!
//! Suspended recipients are out of the scheduler's sight (the due index only
//! covers `queued` and `deferred`); recipients in flight are left to their
//! attempt. Due times set here keep the holds invariant (`holds`).

use super::codec::{
    count_to_u32, count_to_u64, id_from_db, limit_to_db, state_from_db, time_to_db,
};
use super::holds::not_before_hold;
use super::transaction::in_transaction;
use crate::{PendingRecipient, Result};
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;

/// Recipients of `?2` (connector) in `?3` (org). Recipients carry their
/// message's organisation, so this walks the connector's recipients alone
/// (not a list of every pending message built first).
const OF_CONNECTOR: &str = "route_connector = ?2 AND org = ?3";

/// `queued`/`deferred` -> `suspended`.
pub async fn suspend(
    conn: &mut SqliteConnection,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    let sql = format!(
        "UPDATE recipients SET state = 'suspended', updated_at = ?1 \
         WHERE state IN ('queued', 'deferred') AND {OF_CONNECTOR}"
    );
    execute(conn, &sql, org, connector, now).await
}

/// `suspended` -> `queued`, due now (or when its next hop's hold ends).
pub async fn resume(
    conn: &mut SqliteConnection,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    let sql = format!(
        "UPDATE recipients SET state = 'queued', next_attempt_at = {}, updated_at = ?1 \
         WHERE state = 'suspended' AND {OF_CONNECTOR}",
        not_before_hold("?1")
    );
    execute(conn, &sql, org, connector, now).await
}

/// Lifts the holds of the connector's next hops and makes its `queued` and
/// `deferred` recipients due now. Suspended ones stay suspended. Only
/// recipients due later are written; the others are due already and keep
/// their place. Returns how many are due.
pub async fn retry_now(
    conn: &mut SqliteConnection,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    in_transaction(conn, async |conn| {
        // Holds are few: each is checked for a waiting recipient of the connector.
        let lift = format!(
            "DELETE FROM next_hop_holds WHERE ?1 IS NOT NULL AND EXISTS \
             (SELECT 1 FROM recipients WHERE recipients.next_hop = next_hop_holds.next_hop \
              AND state IN ('queued', 'deferred') AND {OF_CONNECTOR})"
        );
        execute(conn, &lift, org, connector, now).await?;
        let due = format!(
            "UPDATE recipients SET next_attempt_at = ?1, updated_at = ?1 \
             WHERE state IN ('queued', 'deferred') AND next_attempt_at > ?1 AND {OF_CONNECTOR}"
        );
        execute(conn, &due, org, connector, now).await?;
        let count = format!(
            "SELECT COUNT(*) FROM recipients \
             WHERE ?1 IS NOT NULL AND state IN ('queued', 'deferred') AND {OF_CONNECTOR}"
        );
        let waiting: i64 = sqlx::query_scalar(&count)
            .bind(time_to_db(now))
            .bind(connector)
            .bind(org)
            .fetch_one(conn)
            .await?;
        count_to_u64("due", waiting)
    })
    .await
}

async fn execute(
    conn: &mut SqliteConnection,
    sql: &str,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    let done = sqlx::query(sql)
        .bind(time_to_db(now))
        .bind(connector)
        .bind(org)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Waiting recipients of the organisation (of one connector when given),
/// oldest message first. A limit of 0 is no limit.
pub async fn pending_recipients(
    conn: &mut SqliteConnection,
    org: &str,
    connector: Option<&str>,
    limit: usize,
) -> Result<Vec<PendingRecipient>> {
    let limit = if limit == 0 {
        i64::MAX
    } else {
        limit_to_db(limit)
    };
    let rows = sqlx::query(
        "SELECT r.message_id, r.idx, r.address, r.state, r.route_connector, r.next_hop \
         FROM recipients r JOIN messages m ON m.id = r.message_id \
         WHERE m.org = ?1 AND m.pending = 1 \
         AND r.state IN ('queued', 'deferred', 'suspended') \
         AND (?2 IS NULL OR r.route_connector = ?2) \
         ORDER BY r.message_id, r.idx LIMIT ?3",
    )
    .bind(org)
    .bind(connector)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(PendingRecipient {
                message_id: id_from_db(row.try_get("message_id")?)?,
                index: count_to_u32("idx", row.try_get("idx")?)?,
                address: row.try_get("address")?,
                state: state_from_db(row.try_get("state")?)?,
                connector: row.try_get("route_connector")?,
                next_hop: row.try_get("next_hop")?,
            })
        })
        .collect()
}
