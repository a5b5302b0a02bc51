//! Recording outcomes: recipient updates and their events, in one
//! transaction, so that the queue and the trace never disagree.
//!
//! A message stops being `pending` (and leaves the expiry and delay-notice
//! indexes) when the last of its recipients reaches a final state.

use super::codec::{id_to_db, json_to_db, time_to_db};
use super::holds::not_before_hold;
use super::transaction::in_transaction;
use crate::{RecipientUpdate, Result};
use mailflow_core::{Event, MessageId, RecipientState};
use sqlx::SqliteConnection;
use std::collections::BTreeSet;

pub async fn record(
    conn: &mut SqliteConnection,
    updates: &[RecipientUpdate],
    events: &[Event],
) -> Result<()> {
    in_transaction(conn, async |conn| {
        for update in updates {
            apply_update(conn, update).await?;
        }
        let touched: BTreeSet<MessageId> = updates.iter().map(|update| update.message_id).collect();
        for id in touched {
            refresh_pending(conn, id).await?;
        }
        for event in events {
            super::events::append(conn, event).await?;
        }
        Ok(())
    })
    .await
}

/// A recipient waiting without a due time would never be tried again, so
/// queued and deferred recipients without one are due at the update's time.
fn due_time(update: &RecipientUpdate) -> Option<i64> {
    let waiting = matches!(
        update.state,
        RecipientState::Queued | RecipientState::Deferred
    );
    match update.next_attempt_at {
        Some(at) => Some(time_to_db(at)),
        None if waiting => Some(time_to_db(update.at)),
        None => None,
    }
}

async fn apply_update(conn: &mut SqliteConnection, update: &RecipientUpdate) -> Result<()> {
    let sql = format!(
        "UPDATE recipients SET state = ?2, attempts = attempts + ?3, \
         next_attempt_at = CASE WHEN ?1 IS NULL THEN NULL ELSE {} END, \
         last_error = COALESCE(?4, last_error), last_error_code = COALESCE(?5, last_error_code), \
         delivered_reply = COALESCE(?6, delivered_reply), lease_node = NULL, lease_until = NULL, \
         updated_at = ?7 WHERE message_id = ?8 AND idx = ?9",
        not_before_hold(1)
    );
    let last_error = update.last_error.as_ref();
    let updated = sqlx::query(&sql)
        .bind(due_time(update))
        .bind(update.state.as_str())
        .bind(i64::from(update.attempts_added))
        .bind(last_error.map(json_to_db))
        .bind(last_error.map(|error| error.diagnosis.code().to_string()))
        .bind(&update.delivered_reply)
        .bind(time_to_db(update.at))
        .bind(id_to_db(update.message_id))
        .bind(i64::from(update.index))
        .execute(conn)
        .await?;
    if updated.rows_affected() == 0 {
        tracing::warn!(message = %update.message_id, index = update.index, "update for an unknown recipient ignored");
    }
    Ok(())
}

async fn refresh_pending(conn: &mut SqliteConnection, id: MessageId) -> Result<()> {
    sqlx::query(
        "UPDATE messages SET pending = EXISTS (SELECT 1 FROM recipients r \
         WHERE r.message_id = messages.id \
         AND r.state IN ('queued', 'in_flight', 'deferred', 'suspended')) WHERE id = ?",
    )
    .bind(id_to_db(id))
    .execute(conn)
    .await?;
    Ok(())
}
