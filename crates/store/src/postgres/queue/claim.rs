//! Claiming due work: due recipients of one next hop become `in_flight`,
//! leased to a node until a time the node keeps moving while it delivers
//! (`renew_leases`).
//!
//! Nodes claim at the same time from the same queue. Each locks the due
//! recipients it takes with `FOR UPDATE SKIP LOCKED`: a recipient another
//! node is claiming is passed over, not waited for, so two nodes never take
//! the same recipient and never queue behind each other. Messages come
//! oldest due time first, each with the recipients of it that were due on
//! this next hop and not taken by another node.

use crate::columns::{
    ColumnRow, count_to_u32, count_to_u64, id_from_db, limit_to_db, ret_from_db, time_to_db,
};
use crate::queue_rows::{dsn_recipient, group_claims, route};
use crate::{ClaimedMessage, ClaimedRecipient, Result};
use mailflow_core::{DsnEnvelope, MessageId};
use sqlx::PgPool;
use sqlx::postgres::PgRow;
use std::time::Duration;
use time::OffsetDateTime;

/// Recipients looked at per message asked for: most messages have one or
/// a few recipients on a next hop.
const ROWS_PER_MESSAGE: usize = 8;

/// Who claims, until when.
pub struct Lease<'a> {
    pub node: &'a str,
    pub now: OffsetDateTime,
    pub duration: Duration,
}

impl Lease<'_> {
    pub fn until_db(&self) -> i64 {
        time::Duration::try_from(self.duration)
            .ok()
            .and_then(|duration| self.now.checked_add(duration))
            .map_or(i64::MAX, time_to_db)
    }
}

/// One statement, so one round trip and its own transaction: nothing while
/// the hop is held; otherwise the hop's due recipients in its due index's
/// order (due time, message, recipient), skipping those other claims hold,
/// up to `$6` of them; of those, the first `$5` messages; and those rows
/// become `in_flight`. Each row returned carries its message's envelope,
/// and whether its last error was a drop during the message's data.
const CLAIM: &str = "WITH due AS ( \
       SELECT message_id, idx, next_attempt_at FROM recipients \
       WHERE next_hop = $4 AND state IN ('queued', 'deferred') AND next_attempt_at <= $3 \
         AND NOT EXISTS (SELECT 1 FROM next_hop_holds h \
                         WHERE h.next_hop = $4 AND h.until_at > $3) \
       ORDER BY next_attempt_at, message_id, idx LIMIT $6 \
       FOR UPDATE SKIP LOCKED), \
     chosen AS ( \
       SELECT message_id FROM due GROUP BY message_id \
       ORDER BY MIN(next_attempt_at), message_id LIMIT $5) \
     UPDATE recipients r \
     SET state = 'in_flight', lease_node = $1, lease_until = $2, updated_at = $3 \
     FROM due, chosen, messages m \
     WHERE r.message_id = due.message_id AND r.idx = due.idx \
       AND chosen.message_id = due.message_id AND m.id = r.message_id \
     RETURNING r.message_id, r.idx, r.address, r.dsn_notify, r.dsn_orcpt, r.route_connector, \
       r.route_domain, r.attempts, due.next_attempt_at AS due_at, \
       COALESCE(r.last_error_code = '4.4.318' AND (r.last_error::jsonb #>> '{diagnosis,stage}') \
         IN ('during_data', 'after_final_dot'), FALSE) AS last_dropped_in_data, \
       m.org, m.sender, m.received_at, m.expires_at, m.dsn_ret, m.dsn_envid, m.size";

pub async fn claim(
    pool: &PgPool,
    next_hop: &str,
    lease: &Lease<'_>,
    max_messages: usize,
) -> Result<Vec<ClaimedMessage>> {
    let max_messages = max_messages.max(1);
    let rows = sqlx::query(CLAIM)
        .bind(lease.node)
        .bind(lease.until_db())
        .bind(time_to_db(lease.now))
        .bind(next_hop)
        .bind(limit_to_db(max_messages))
        .bind(limit_to_db(max_messages.saturating_mul(ROWS_PER_MESSAGE)))
        .fetch_all(pool)
        .await
        .map_err(crate::StoreError::from);
    let rows = crate::error::on_write(rows)?;
    group_claims(
        &rows,
        |row| Ok((id_from_db(&row.bytes("message_id")?)?, row.int("due_at")?)),
        |row, id| claimed_message(id, row),
        claimed_recipient,
    )
}

fn claimed_recipient(row: &PgRow) -> Result<ClaimedRecipient> {
    Ok(ClaimedRecipient {
        index: count_to_u32("idx", row.int("idx")?)?,
        address: row.text("address")?,
        dsn: dsn_recipient(row)?,
        route: route(row)?,
        attempts: count_to_u32("attempts", row.int("attempts")?)?,
        last_dropped_in_data: row.flag("last_dropped_in_data")?,
    })
}

/// The message of a claimed row (its recipients are added by the caller).
fn claimed_message(id: MessageId, row: &PgRow) -> Result<ClaimedMessage> {
    Ok(ClaimedMessage {
        id,
        org: row.text("org")?,
        sender: row.text("sender")?,
        received_at: row.time("received_at")?,
        expires_at: row.time("expires_at")?,
        dsn: DsnEnvelope {
            ret: row
                .opt_text("dsn_ret")?
                .as_deref()
                .map(ret_from_db)
                .transpose()?,
            envid: row.opt_text("dsn_envid")?,
        },
        size: count_to_u64("size", row.int("size")?)?,
        recipients: Vec::new(),
    })
}
