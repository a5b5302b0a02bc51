//! Claiming due work: due recipients of one next hop become `in_flight`,
//! leased to a node.
//!
//! A claim is one statement on the single write connection, so two
//! claimers can never take the same recipient: the second sees the rows
//! the first already moved to `in_flight`. Messages come oldest due time
//! first, each with only the recipients that were due on this next hop.

use super::codec::{
    count_to_u32, count_to_u64, json_from_db, limit_to_db, ret_from_db, time_from_db, time_to_db,
};
use super::rows;
use crate::{ClaimedMessage, ClaimedRecipient, Result, StoreError};
use mailflow_core::{DsnEnvelope, MessageId};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use std::time::Duration;
use time::OffsetDateTime;

/// Who claims, until when.
pub struct Lease {
    pub node: String,
    pub now: OffsetDateTime,
    pub duration: Duration,
}

impl Lease {
    fn until_db(&self) -> i64 {
        time::Duration::try_from(self.duration)
            .ok()
            .and_then(|duration| self.now.checked_add(duration))
            .map_or(i64::MAX, time_to_db)
    }
}

pub async fn claim(
    conn: &mut SqliteConnection,
    next_hop: &str,
    lease: &Lease,
    max_messages: usize,
) -> Result<Vec<ClaimedMessage>> {
    let rows = sqlx::query(CLAIM)
        .bind(&lease.node)
        .bind(lease.until_db())
        .bind(time_to_db(lease.now))
        .bind(next_hop)
        .bind(limit_to_db(max_messages.max(1)))
        .fetch_all(conn)
        .await?;
    rows::group_claims(
        &rows,
        |row| {
            Ok((
                rows::recipient_message_id(row)?,
                row.try_get("next_attempt_at")?,
            ))
        },
        |row, id| claimed_message(id, row),
        claimed_recipient,
    )
}

/// The whole claim in one statement (atomic on its own, and one trip to
/// SQLite's thread): nothing while the hop is held; otherwise the hop's due
/// recipients are walked in its due index's order (due time, message,
/// recipient) and each message is taken at its first due recipient, until
/// `?5` messages are found — so a claim reads about as many index entries
/// as it takes recipients, however many more are due — and every due
/// recipient of those messages on this hop becomes `in_flight`. The
/// unary `+` keeps SQLite from reading the claimed rows through the due
/// index (a walk of the whole backlog) instead of by their messages' ids.
/// Each row returned carries its message's envelope as a JSON array, and
/// whether its last error was a drop during the message's data.
const CLAIM: &str = "UPDATE recipients \
     SET state = 'in_flight', lease_node = ?1, lease_until = ?2, updated_at = ?3 \
     WHERE +next_hop = ?4 AND state IN ('queued', 'deferred') AND +next_attempt_at <= ?3 \
     AND message_id IN (SELECT DISTINCT message_id FROM recipients \
       WHERE next_hop = ?4 AND state IN ('queued', 'deferred') AND next_attempt_at <= ?3 \
       ORDER BY next_attempt_at, message_id, idx LIMIT ?5) \
     AND NOT EXISTS (SELECT 1 FROM next_hop_holds h WHERE h.next_hop = ?4 AND h.until_at > ?3) \
     RETURNING message_id, idx, address, dsn_notify, dsn_orcpt, route_connector, route_domain, \
     attempts, next_attempt_at, \
     COALESCE(last_error_code = '4.4.318' AND json_extract(last_error, '$.diagnosis.stage') \
       IN ('during_data', 'after_final_dot'), 0) AS last_dropped_in_data, \
     (SELECT json_array(m.org, m.sender, m.received_at, \
     m.expires_at, m.dsn_ret, m.dsn_envid, m.size) FROM messages m \
     WHERE m.id = recipients.message_id) AS envelope";

fn claimed_recipient(row: &SqliteRow) -> Result<ClaimedRecipient> {
    Ok(ClaimedRecipient {
        index: count_to_u32("idx", row.try_get("idx")?)?,
        address: row.try_get("address")?,
        dsn: rows::dsn_recipient(row)?,
        route: rows::route(row)?,
        attempts: count_to_u32("attempts", row.try_get("attempts")?)?,
        last_dropped_in_data: row.try_get("last_dropped_in_data")?,
    })
}

/// The message of a claimed row, from the envelope the row carries (its
/// recipients are added by the caller).
fn claimed_message(id: MessageId, row: &SqliteRow) -> Result<ClaimedMessage> {
    let envelope: Option<String> = row.try_get("envelope")?;
    let envelope =
        envelope.ok_or_else(|| StoreError::Corrupt(format!("claimed message {id} has no row")))?;
    let (org, sender, received_at, expires_at, ret, envid, size): ClaimedEnvelope =
        json_from_db("envelope", &envelope)?;
    Ok(ClaimedMessage {
        id,
        org,
        sender,
        received_at: time_from_db(received_at),
        expires_at: time_from_db(expires_at),
        dsn: DsnEnvelope {
            ret: ret.as_deref().map(ret_from_db).transpose()?,
            envid,
        },
        size: count_to_u64("size", size)?,
        recipients: Vec::new(),
    })
}

/// The columns of `messages` a claim reads, in `CLAIM`'s `json_array`.
type ClaimedEnvelope = (
    String,
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
    i64,
);

#[cfg(test)]
mod tests {
    use super::super::plans::{assert_walks_no_backlog, plan};

    #[tokio::test]
    async fn a_claim_walks_the_hops_due_index_in_order_and_takes_its_rows_by_their_messages() {
        assert_walks_no_backlog(super::CLAIM).await;
        let steps = plan(super::CLAIM).await;
        let due_walk = steps
            .iter()
            .position(|step| step.contains("USING INDEX recipients_hop_due"));
        assert!(due_walk.is_some(), "the due index is walked: {steps:#?}");
        assert!(
            steps[0].contains("sqlite_autoindex_recipients_1 (message_id=?)"),
            "claimed rows are found by their messages: {steps:#?}"
        );
    }
}
