//! Claiming due work: due recipients of one next hop become `in_flight`,
//! leased to a node.
//!
//! A claim runs in one write transaction on the single write connection, so
//! two claimers can never take the same recipient: the second sees the rows
//! the first already moved to `in_flight`. Messages come oldest due time
//! first, each with only the recipients that were due on this next hop.

use super::codec::{count_to_u32, limit_to_db, push_ids, time_to_db};
use super::rows::{self, ENVELOPE_COLUMNS, Envelope};
use super::transaction::in_transaction;
use crate::{ClaimedMessage, ClaimedRecipient, Result, StoreError};
use mailflow_core::MessageId;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::{HashMap, HashSet};
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
    in_transaction(conn, async |conn| {
        let now = time_to_db(lease.now);
        if is_held(conn, next_hop, now).await? {
            return Ok(Vec::new());
        }
        let ids = due_message_ids(conn, next_hop, now, max_messages).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut recipients = claim_recipients(conn, &ids, next_hop, lease).await?;
        let mut envelopes = envelopes(conn, &ids).await?;
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            let envelope = envelopes
                .remove(&id)
                .ok_or_else(|| StoreError::Corrupt(format!("claimed message {id} has no row")))?;
            let mut taken = recipients.remove(&id).unwrap_or_default();
            taken.sort_by_key(|recipient| recipient.index);
            claimed.push(claimed_message(envelope, taken));
        }
        Ok(claimed)
    })
    .await
}

async fn is_held(conn: &mut SqliteConnection, next_hop: &str, now: i64) -> Result<bool> {
    let until: Option<i64> =
        sqlx::query_scalar("SELECT until_at FROM next_hop_holds WHERE next_hop = ?")
            .bind(next_hop)
            .fetch_optional(conn)
            .await?;
    Ok(until.is_some_and(|until| until > now))
}

/// A page of a hop's due recipients after a point, in index order.
const DUE_PAGE: &str = "SELECT message_id, idx, next_attempt_at FROM recipients \
     WHERE next_hop = ?1 AND state IN ('queued', 'deferred') AND next_attempt_at <= ?2 \
     AND (next_attempt_at, message_id, idx) > (?3, ?4, ?5) \
     ORDER BY next_attempt_at, message_id, idx LIMIT ?6";

/// The messages to claim: due recipients of the hop are walked in the
/// index's order (due time, message, recipient) and each message is taken
/// at its first due recipient, until `max_messages` are found. A page of
/// index entries per step, so a claim reads about as many entries as it
/// takes recipients, however many more are due.
async fn due_message_ids(
    conn: &mut SqliteConnection,
    next_hop: &str,
    now: i64,
    max_messages: usize,
) -> Result<Vec<MessageId>> {
    let page = limit_to_db(max_messages.max(1));
    let mut ids: Vec<MessageId> = Vec::with_capacity(max_messages);
    let mut seen = HashSet::new();
    let mut after: (i64, Vec<u8>, i64) = (i64::MIN, Vec::new(), i64::MIN);
    while ids.len() < max_messages {
        let rows = sqlx::query(DUE_PAGE)
            .bind(next_hop)
            .bind(now)
            .bind(after.0)
            .bind(&after.1)
            .bind(after.2)
            .bind(page)
            .fetch_all(&mut *conn)
            .await?;
        for row in &rows {
            let id = rows::recipient_message_id(row)?;
            if ids.len() < max_messages && seen.insert(id) {
                ids.push(id);
            }
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == page => {
                after = (
                    last.try_get("next_attempt_at")?,
                    last.try_get("message_id")?,
                    last.try_get("idx")?,
                );
            }
            _ => break,
        }
    }
    Ok(ids)
}

/// Moves the due recipients of `ids` on this hop to `in_flight`, with one
/// statement for the whole claim (each statement is a round trip to
/// SQLite's worker thread). The ids are at most a claim's size.
async fn claim_recipients(
    conn: &mut SqliteConnection,
    ids: &[MessageId],
    next_hop: &str,
    lease: &Lease,
) -> Result<HashMap<MessageId, Vec<ClaimedRecipient>>> {
    let mut update = claim_update(ids, next_hop, lease);
    let rows = update.build().persistent(false).fetch_all(conn).await?;
    let mut claimed: HashMap<MessageId, Vec<ClaimedRecipient>> = HashMap::new();
    for row in &rows {
        claimed
            .entry(rows::recipient_message_id(row)?)
            .or_default()
            .push(claimed_recipient(row)?);
    }
    Ok(claimed)
}

/// The statement of `claim_recipients`. It finds its rows by their
/// messages' ids (the primary key): the unary `+` keeps SQLite from reading
/// them through the next hop's due index instead, which would walk every
/// due recipient of the hop (a whole backlog) to pick out the claim's.
fn claim_update<'a>(
    ids: &[MessageId],
    next_hop: &'a str,
    lease: &'a Lease,
) -> QueryBuilder<'a, Sqlite> {
    let mut update =
        QueryBuilder::<Sqlite>::new("UPDATE recipients SET state = 'in_flight', lease_node = ");
    update
        .push_bind(&lease.node)
        .push(", lease_until = ")
        .push_bind(lease.until_db())
        .push(", updated_at = ")
        .push_bind(time_to_db(lease.now))
        .push(" WHERE +next_hop = ")
        .push_bind(next_hop)
        .push(" AND state IN ('queued', 'deferred') AND +next_attempt_at <= ")
        .push_bind(time_to_db(lease.now))
        .push(" AND message_id IN (");
    push_ids(&mut update, ids.iter().copied());
    update.push(
        ") RETURNING message_id, idx, address, dsn_notify, dsn_orcpt, route_connector, \
         route_domain, attempts",
    );
    update
}

fn claimed_recipient(row: &SqliteRow) -> Result<ClaimedRecipient> {
    Ok(ClaimedRecipient {
        index: count_to_u32("idx", row.try_get("idx")?)?,
        address: row.try_get("address")?,
        dsn: rows::dsn_recipient(row)?,
        route: rows::route(row)?,
        attempts: count_to_u32("attempts", row.try_get("attempts")?)?,
    })
}

async fn envelopes(
    conn: &mut SqliteConnection,
    ids: &[MessageId],
) -> Result<HashMap<MessageId, Envelope>> {
    let mut select = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {ENVELOPE_COLUMNS} FROM messages WHERE id IN ("
    ));
    push_ids(&mut select, ids.iter().copied());
    select.push(")");
    let rows = select.build().persistent(false).fetch_all(conn).await?;
    rows.iter()
        .map(|row| rows::envelope(row).map(|envelope| (envelope.id, envelope)))
        .collect()
}

fn claimed_message(envelope: Envelope, recipients: Vec<ClaimedRecipient>) -> ClaimedMessage {
    ClaimedMessage {
        id: envelope.id,
        org: envelope.org,
        sender: envelope.sender,
        received_at: envelope.received_at,
        expires_at: envelope.expires_at,
        dsn: envelope.dsn,
        size: envelope.size,
        recipients,
    }
}

#[cfg(test)]
mod tests {
    use super::super::plans::{assert_walks_no_backlog, plan};
    use mailflow_core::MessageId;
    use time::OffsetDateTime;

    #[tokio::test]
    async fn a_page_of_due_recipients_is_read_in_index_order_without_sorting() {
        assert_walks_no_backlog(super::DUE_PAGE).await;
    }

    #[tokio::test]
    async fn claiming_finds_the_claims_recipients_by_their_messages_not_the_hops_backlog() {
        let ids = [MessageId::new(), MessageId::new(), MessageId::new()];
        let lease = super::Lease {
            node: "a".into(),
            now: OffsetDateTime::UNIX_EPOCH,
            duration: std::time::Duration::from_secs(60),
        };
        let update = super::claim_update(&ids, "onprem", &lease);
        let steps = plan(update.sql()).await;
        assert!(
            steps
                .iter()
                .all(|step| !step.contains("recipients_hop_due")),
            "{steps:?}"
        );
        assert_walks_no_backlog(update.sql()).await;
    }
}
