//! Operator actions on a connector's queue: every recipient whose route goes
//! through the connector, across all its next hops (one per domain when it
//! routes by MX), in one organisation.
//!
//! Suspended recipients are out of the scheduler's sight (the due index only
//! covers `queued` and `deferred`); recipients in flight are left to their
//! attempt. Due times set here keep the holds invariant (`holds`).

use super::codec::{
    count_to_u32, count_to_u64, id_from_db, json_to_db, limit_to_db, state_from_db, time_to_db,
};
use super::due::WAITING;
use super::holds::not_before_hold;
use super::transaction::in_transaction;
use crate::{PendingRecipient, Result};
use mailflow_core::{Event, EventKind, MessageId};
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;

/// Recipients of `?2` (connector) in `?3` (org). Recipients carry their
/// message's organisation, so this walks the connector's recipients alone
/// (not a list of every pending message built first).
const OF_CONNECTOR: &str = "route_connector = ?2 AND org = ?3";

/// `queued`/`deferred` -> `suspended`, with an operator event for each
/// recipient in its message's trace.
pub async fn suspend(
    conn: &mut SqliteConnection,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
    actor: &str,
) -> Result<u64> {
    in_transaction(conn, async |conn| {
        record_action(conn, WAITING, org, connector, now, "suspend", actor).await?;
        let sql = format!(
            "UPDATE recipients SET state = 'suspended', updated_at = ?1 \
             WHERE {WAITING} AND {OF_CONNECTOR}"
        );
        execute(conn, &sql, org, connector, now).await
    })
    .await
}

/// `suspended` -> `queued`, due now (or when its next hop's hold ends),
/// with an operator event for each recipient in its message's trace.
pub async fn resume(
    conn: &mut SqliteConnection,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
    actor: &str,
) -> Result<u64> {
    let suspended = "state = 'suspended'";
    in_transaction(conn, async |conn| {
        record_action(conn, suspended, org, connector, now, "resume", actor).await?;
        let sql = format!(
            "UPDATE recipients SET state = 'queued', next_attempt_at = {}, updated_at = ?1 \
             WHERE {suspended} AND {OF_CONNECTOR}",
            not_before_hold("?1")
        );
        execute(conn, &sql, org, connector, now).await
    })
    .await
}

/// Lifts the holds of the connector's next hops and makes its `queued` and
/// `deferred` recipients due now, with an operator event for each in its
/// message's trace. Suspended ones stay suspended. Only recipients due
/// later are written; the others are due already and keep their place.
/// Returns how many are due.
pub async fn retry_now(
    conn: &mut SqliteConnection,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
    actor: &str,
) -> Result<u64> {
    in_transaction(conn, async |conn| {
        record_action(conn, WAITING, org, connector, now, "retry now", actor).await?;
        // Holds are few: each is checked for a waiting recipient of the connector.
        let lift = format!(
            "DELETE FROM next_hop_holds WHERE ?1 IS NOT NULL AND EXISTS \
             (SELECT 1 FROM recipients WHERE recipients.next_hop = next_hop_holds.next_hop \
              AND {WAITING} AND {OF_CONNECTOR})"
        );
        execute(conn, &lift, org, connector, now).await?;
        let due = format!(
            "UPDATE recipients SET next_attempt_at = ?1, updated_at = ?1 \
             WHERE {WAITING} AND next_attempt_at > ?1 AND {OF_CONNECTOR}"
        );
        execute(conn, &due, org, connector, now).await?;
        let count = format!(
            "SELECT COUNT(*) FROM recipients \
             WHERE ?1 IS NOT NULL AND {WAITING} AND {OF_CONNECTOR}"
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

/// Writes the operator event of `action` for every recipient of the
/// connector in `states`, with one `INSERT … SELECT`: a connector's queue
/// may hold a million recipients, which are never loaded. The event's JSON
/// is the serialized `Event` with the recipient's own fields set in SQL.
async fn record_action(
    conn: &mut SqliteConnection,
    states: &str,
    org: &str,
    connector: &str,
    now: OffsetDateTime,
    action: &str,
    actor: &str,
) -> Result<()> {
    let kind = EventKind::Operator {
        action: action.to_string(),
        actor: actor.to_string(),
    };
    let kind_name = super::events::kind_name(&kind);
    let template = json_to_db(&Event {
        at: now,
        message_id: MessageId(uuid::Uuid::nil()),
        recipient: None,
        next_hop: None,
        connector: None,
        kind,
    });
    let sql = format!(
        "INSERT INTO events (message_id, at, event, org, connector, kind, code, recipient) \
         SELECT message_id, ?1, json_set(?4, '$.message_id', {UUID_TEXT}, \
           '$.recipient', address, '$.next_hop', next_hop, '$.connector', route_connector), \
         org, route_connector, ?5, NULL, address \
         FROM recipients WHERE {states} AND {OF_CONNECTOR} \
         ORDER BY message_id, idx"
    );
    sqlx::query(&sql)
        .bind(time_to_db(now))
        .bind(connector)
        .bind(org)
        .bind(template)
        .bind(kind_name)
        .execute(conn)
        .await?;
    Ok(())
}

/// A recipient's message id (16 bytes) as the UUID text `MessageId`
/// serializes to.
const UUID_TEXT: &str = "lower(substr(hex(message_id), 1, 8) || '-' || \
     substr(hex(message_id), 9, 4) || '-' || substr(hex(message_id), 13, 4) || '-' || \
     substr(hex(message_id), 17, 4) || '-' || substr(hex(message_id), 21, 12))";

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
