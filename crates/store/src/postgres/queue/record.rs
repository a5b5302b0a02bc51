//! Recording outcomes: a batch of recipient updates (see `batcher`), with
//! everything that follows from them in the same transaction — the
//! messages' `pending` flag, the waiting counts, the reports owed to
//! senders for recipients that failed for good, and the events.
//!
//! The batch's messages are locked first, in id order: two nodes that
//! record outcomes of one message's recipients (delivered through two next
//! hops) then take turns, and the second sees the first's outcome when it
//! decides whether the message still waits.

use super::counts::{CountChanges, Counted};
use super::events;
use super::waiting::WAITING_OR_IN_FLIGHT;
use crate::columns::{id_to_db, json_to_db};
use crate::folded_updates::{due_time, fold};
use crate::{RecipientUpdate, Result};
use mailflow_core::{Event, MessageId};
use sqlx::{PgConnection, Row};
use std::collections::BTreeSet;

pub async fn record(
    conn: &mut PgConnection,
    updates: &[&RecipientUpdate],
    events: &[&Event],
) -> Result<()> {
    let folded = fold(updates.iter().copied());
    let touched: BTreeSet<MessageId> = folded.iter().map(|f| f.last.message_id).collect();
    let touched: Vec<Vec<u8>> = touched.into_iter().map(id_to_db).collect();
    if !folded.is_empty() {
        lock_messages(conn, &touched).await?;
        let mut u = Updates::default();
        for f in &folded {
            u.ids.push(id_to_db(f.last.message_id));
            u.indexes.push(i64::from(f.last.index));
            u.due.push(due_time(f.last));
            u.states.push(f.last.state.as_str());
            u.added.push(i64::from(f.attempts_added));
            u.errors.push(f.last_error.map(json_to_db));
            u.codes
                .push(f.last_error.map(|e| e.diagnosis.code().to_string()));
            u.replies.push(f.reply.map(String::as_str));
            u.at.push(crate::columns::time_to_db(f.last.at));
        }
        let changed = update_recipients(conn, u).await?;
        if changed.len() < folded.len() {
            tracing::warn!(
                missing = folded.len() - changed.len(),
                "updates for unknown recipients ignored"
            );
        }
        refresh_pending(conn, &touched).await?;
        owe_reports(conn, &changed).await?;
        drop_finished_bodies(conn, &touched).await?;
        let mut counts = CountChanges::default();
        for row in &changed {
            counts.change(Some(row.before()), Some(row.after()));
        }
        counts.write(conn).await?;
    }
    events::insert(conn, events).await
}

/// Locks the messages (in id order) for the rest of the transaction.
pub async fn lock_messages(conn: &mut PgConnection, ids: &[Vec<u8>]) -> Result<()> {
    sqlx::query("SELECT 1 FROM messages WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(ids)
        .execute(conn)
        .await?;
    Ok(())
}

/// A message waits while any of its recipients waits or is in flight.
pub async fn refresh_pending(conn: &mut PgConnection, ids: &[Vec<u8>]) -> Result<()> {
    let sql = format!(
        "UPDATE messages m SET pending = EXISTS (SELECT 1 FROM recipients r \
         WHERE r.message_id = m.id AND r.{WAITING_OR_IN_FLIGHT}) WHERE m.id = ANY($1)"
    );
    sqlx::query(&sql).bind(ids).execute(conn).await?;
    Ok(())
}

/// Deletes the bodies of those of `ids` that nothing needs any more: no
/// recipient waits or is in flight, and no report to the sender is owed
/// (a report quotes the message). The envelope, recipients and events stay
/// for the trace until retention removes them; the embedded store likewise
/// drops its spool files once no waiting message needs them.
pub async fn drop_finished_bodies(conn: &mut PgConnection, ids: &[Vec<u8>]) -> Result<()> {
    sqlx::query(
        "DELETE FROM bodies b USING messages m \
         WHERE m.id = ANY($1) AND NOT m.pending AND b.message_id = m.id \
         AND NOT EXISTS (SELECT 1 FROM reports_owed o WHERE o.message_id = m.id)",
    )
    .bind(ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// The updates of a batch, column by column.
#[derive(Default)]
struct Updates<'u> {
    ids: Vec<Vec<u8>>,
    indexes: Vec<i64>,
    due: Vec<Option<i64>>,
    states: Vec<&'static str>,
    added: Vec<i64>,
    errors: Vec<Option<String>>,
    codes: Vec<Option<String>>,
    replies: Vec<Option<&'u str>>,
    at: Vec<i64>,
}

/// One recipient an update changed: what the counts and the owed reports
/// need of it before and after.
pub struct Changed {
    pub message_id: Vec<u8>,
    pub index: i64,
    pub org: String,
    pub connector: Option<String>,
    pub sender_is_null: bool,
    pub old_state: String,
    pub old_code: Option<String>,
    pub state: String,
    pub code: Option<String>,
    pub updated_at: i64,
}

impl Changed {
    pub fn before(&self) -> Counted<'_> {
        Counted {
            org: &self.org,
            connector: self.connector.as_deref(),
            state: &self.old_state,
            code: self.old_code.as_deref(),
        }
    }

    pub fn after(&self) -> Counted<'_> {
        Counted {
            org: &self.org,
            connector: self.connector.as_deref(),
            state: &self.state,
            code: self.code.as_deref(),
        }
    }

    pub fn from_row(row: &sqlx::postgres::PgRow) -> Result<Changed> {
        Ok(Changed {
            message_id: row.try_get("message_id")?,
            index: row.try_get("idx")?,
            org: row.try_get("org")?,
            connector: row.try_get("route_connector")?,
            sender_is_null: row.try_get("sender_is_null")?,
            old_state: row.try_get("old_state")?,
            old_code: row.try_get("old_code")?,
            state: row.try_get("state")?,
            code: row.try_get("last_error_code")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// The columns a statement that changes recipients returns for `Changed`,
/// from `recipients r`, its rows before the change `old` and the message `m`.
pub const CHANGED_COLUMNS: &str = "r.message_id, r.idx, r.org, r.route_connector, \
     m.sender = '' AS sender_is_null, old.state AS old_state, \
     old.last_error_code AS old_code, r.state, r.last_error_code, r.updated_at";

/// Applies the updates; one row per recipient changed. A due time is never
/// before the hold of the recipient's next hop. A delivered recipient keeps
/// no last error: the failures before it stay in its events.
async fn update_recipients(conn: &mut PgConnection, u: Updates<'_>) -> Result<Vec<Changed>> {
    let sql = format!(
        "WITH u AS (SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bigint[], $4::text[], \
                 $5::bigint[], $6::text[], $7::text[], $8::text[], $9::bigint[]) \
                 AS u (message_id, idx, due, state, added, last_error, code, reply, at)), \
         old AS (SELECT r.message_id, r.idx, r.state, r.last_error_code FROM recipients r \
                 JOIN u ON r.message_id = u.message_id AND r.idx = u.idx \
                 ORDER BY r.message_id, r.idx FOR UPDATE OF r) \
         UPDATE recipients r SET state = u.state, attempts = r.attempts + u.added, \
           next_attempt_at = GREATEST(u.due, CASE WHEN u.due IS NOT NULL THEN \
             (SELECT h.until_at FROM next_hop_holds h WHERE h.next_hop = r.next_hop) END), \
           last_error = CASE WHEN u.state = 'delivered' THEN NULL \
             ELSE COALESCE(u.last_error, r.last_error) END, \
           last_error_code = CASE WHEN u.state = 'delivered' THEN NULL \
             ELSE COALESCE(u.code, r.last_error_code) END, \
           delivered_reply = COALESCE(u.reply, r.delivered_reply), \
           lease_node = NULL, lease_until = NULL, updated_at = u.at \
         FROM u JOIN old ON old.message_id = u.message_id AND old.idx = u.idx, messages m \
         WHERE r.message_id = u.message_id AND r.idx = u.idx AND m.id = r.message_id \
         RETURNING {CHANGED_COLUMNS}"
    );
    let rows = sqlx::query(&sql)
        .bind(u.ids)
        .bind(u.indexes)
        .bind(u.due)
        .bind(u.states)
        .bind(u.added)
        .bind(u.errors)
        .bind(u.codes)
        .bind(u.replies)
        .bind(u.at)
        .fetch_all(conn)
        .await?;
    rows.iter().map(Changed::from_row).collect()
}

/// A recipient that failed for good owes its sender a report, unless the
/// message came from `<>` (a report never causes another).
pub async fn owe_reports(conn: &mut PgConnection, changed: &[Changed]) -> Result<()> {
    let failed: Vec<&Changed> = changed
        .iter()
        .filter(|c| c.state == "failed" && c.old_state != "failed" && !c.sender_is_null)
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO reports_owed (message_id, idx, failed_at) \
         SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bigint[]) \
         ON CONFLICT DO NOTHING",
    )
    .bind(
        failed
            .iter()
            .map(|c| c.message_id.clone())
            .collect::<Vec<_>>(),
    )
    .bind(failed.iter().map(|c| c.index).collect::<Vec<_>>())
    .bind(failed.iter().map(|c| c.updated_at).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}
