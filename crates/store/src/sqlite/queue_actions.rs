//! Operator actions on chosen recipients (one message's, or a page of a
//! filter's): retry, suspend, resume and delete, each in one transaction
//! with an operator event per recipient changed.
//!
//! The recipients are named by (message, index), and each statement checks
//! their state again: one that went in flight, or finished, since the
//! operator's page was read is left alone. Due times set here keep the
//! holds invariant (`holds`).

use super::codec::{count_to_u64, time_to_db};
use super::holds::not_before_hold;
use super::json_rows;
use super::operator::UUID_TEXT;
use super::record::REFRESH_PENDING;
use super::transaction::in_transaction;
use crate::operator_rows::operator_event_template;
use crate::{QueueAction, Result};
use mailflow_core::MessageId;
use sqlx::SqliteConnection;
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// The chosen recipients: `?1` is a JSON array of `[message id, index]`.
const CHOSEN: &str =
    "(message_id, idx) IN (SELECT unhex(value ->> 0), value ->> 1 FROM json_each(?1))";

/// The states `action` changes, as SQL on `recipients`.
fn states(action: QueueAction) -> &'static str {
    match action {
        QueueAction::Retry | QueueAction::Suspend => "state IN ('queued', 'deferred')",
        QueueAction::Resume => "state = 'suspended'",
        QueueAction::Delete => "state IN ('queued', 'deferred', 'suspended')",
    }
}

pub async fn act(
    conn: &mut SqliteConnection,
    action: QueueAction,
    recipients: &[(MessageId, u32)],
    now: OffsetDateTime,
    actor: &str,
) -> Result<u64> {
    if recipients.is_empty() {
        return Ok(0);
    }
    let chosen = json_rows::array(
        recipients
            .iter()
            .map(|(id, index)| (json_rows::id(*id), index)),
    );
    let states = states(action);
    in_transaction(conn, async |conn| {
        record_events(conn, &chosen, states, action, now, actor).await?;
        match action {
            QueueAction::Suspend => {
                let sql = format!(
                    "UPDATE recipients SET state = 'suspended', updated_at = ?2 \
                     WHERE {CHOSEN} AND {states}"
                );
                execute(conn, &sql, &chosen, now).await
            }
            QueueAction::Resume => {
                let sql = format!(
                    "UPDATE recipients SET state = 'queued', next_attempt_at = {}, \
                     updated_at = ?2 WHERE {CHOSEN} AND {states}",
                    not_before_hold("?2")
                );
                execute(conn, &sql, &chosen, now).await
            }
            QueueAction::Retry => retry(conn, &chosen, states, now).await,
            QueueAction::Delete => delete(conn, &chosen, states, recipients).await,
        }
    })
    .await
}

/// Lifts the holds of the chosen recipients' next hops and makes them due
/// now (those due already keep their place). Returns how many are due.
async fn retry(
    conn: &mut SqliteConnection,
    chosen: &str,
    states: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    let lift = format!(
        "DELETE FROM next_hop_holds WHERE next_hop IN \
         (SELECT next_hop FROM recipients WHERE {CHOSEN} AND {states})"
    );
    sqlx::query(&lift).bind(chosen).execute(&mut *conn).await?;
    let due = format!(
        "UPDATE recipients SET next_attempt_at = ?2, updated_at = ?2 \
         WHERE {CHOSEN} AND {states} AND next_attempt_at > ?2"
    );
    execute(conn, &due, chosen, now).await?;
    let count = format!("SELECT COUNT(*) FROM recipients WHERE {CHOSEN} AND {states}");
    let waiting: i64 = sqlx::query_scalar(&count)
        .bind(chosen)
        .fetch_one(conn)
        .await?;
    count_to_u64("due", waiting)
}

/// Removes the chosen recipients, then their messages that have no
/// recipient left; the others' `pending` follows what remains. Their
/// bodies' spool segments go once no waiting message needs them.
async fn delete(
    conn: &mut SqliteConnection,
    chosen: &str,
    states: &str,
    recipients: &[(MessageId, u32)],
) -> Result<u64> {
    let sql = format!("DELETE FROM recipients WHERE {CHOSEN} AND {states}");
    let deleted = sqlx::query(&sql)
        .bind(chosen)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let touched: BTreeSet<MessageId> = recipients.iter().map(|(id, _)| *id).collect();
    let touched = json_rows::array(touched.into_iter().map(json_rows::id));
    sqlx::query(
        "DELETE FROM messages WHERE id IN (SELECT unhex(value) FROM json_each(?1)) \
         AND NOT EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = messages.id)",
    )
    .bind(&touched)
    .execute(&mut *conn)
    .await?;
    sqlx::query(REFRESH_PENDING)
        .bind(&touched)
        .execute(conn)
        .await?;
    Ok(deleted)
}

/// An operator event for each chosen recipient in `states`, written with
/// one `INSERT … SELECT` (as the connector-wide actions write theirs).
async fn record_events(
    conn: &mut SqliteConnection,
    chosen: &str,
    states: &str,
    action: QueueAction,
    now: OffsetDateTime,
    actor: &str,
) -> Result<()> {
    let (template, kind_name) = operator_event_template(action.as_str(), actor, now);
    let sql = format!(
        "INSERT INTO events (message_id, at, event, org, connector, kind, code, recipient) \
         SELECT message_id, ?2, json_set(?3, '$.message_id', {UUID_TEXT}, \
           '$.recipient', address, '$.next_hop', next_hop, '$.connector', route_connector), \
         org, route_connector, ?4, NULL, address \
         FROM recipients WHERE {CHOSEN} AND {states} ORDER BY message_id, idx"
    );
    sqlx::query(&sql)
        .bind(chosen)
        .bind(time_to_db(now))
        .bind(template)
        .bind(kind_name)
        .execute(conn)
        .await?;
    Ok(())
}

async fn execute(
    conn: &mut SqliteConnection,
    sql: &str,
    chosen: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    let done = sqlx::query(sql)
        .bind(chosen)
        .bind(time_to_db(now))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
