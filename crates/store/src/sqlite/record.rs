//! Recording outcomes: recipient updates and their events, in one
//! transaction, so that the queue and the trace never disagree.
//!
//! A message stops being `pending` (and leaves the expiry and delay-notice
//! indexes) when the last of its recipients reaches a final state.

use super::codec::{id_to_db, json_to_db, push_ids, time_to_db};
use super::holds::not_before_hold;
use super::transaction::OneTrip;
use crate::{RecipientUpdate, Result};
use mailflow_core::{Event, MessageId, RecipientState};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::{BTreeSet, HashSet};
use tokio::sync::oneshot;

/// Sends the whole record in one trip to SQLite's worker thread (see
/// `OneTrip`).
pub async fn record(
    conn: &mut SqliteConnection,
    updates: &[RecipientUpdate],
    events: &[Event],
) -> Result<()> {
    if updates.is_empty() && events.is_empty() {
        return Ok(());
    }
    let rows = RecordRows::new(updates, events);
    let mut trip = OneTrip::begin();
    rows.push(trip.sql());
    let updated = trip.commit(conn).await?.len();
    warn_if_missing(updates.len(), updated);
    Ok(())
}

/// A record waiting for the writer's next group commit (see `group`).
pub struct RecordRequest {
    pub updates: Vec<RecipientUpdate>,
    pub events: Vec<Event>,
    pub answer: oneshot::Sender<Result<()>>,
}

/// What one record writes: the recipients' updates, the messages'
/// `pending` flags and the events.
pub struct RecordRows<'r> {
    updates: &'r [RecipientUpdate],
    events: &'r [Event],
    touched: Vec<MessageId>,
}

impl<'r> RecordRows<'r> {
    pub fn new(updates: &'r [RecipientUpdate], events: &'r [Event]) -> RecordRows<'r> {
        let touched = updates
            .iter()
            .map(|update| update.message_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        RecordRows {
            updates,
            events,
            touched,
        }
    }

    /// Pushes the statements; only the updates return rows, one per
    /// recipient updated.
    pub fn push<'a>(&'a self, sql: &mut QueryBuilder<'a, Sqlite>) {
        for round in rounds(self.updates) {
            push_updates(sql, &round);
        }
        push_refresh_pending(sql, &self.touched);
        super::events::push_insert_events(sql, self.events);
    }
}

/// Updates naming a recipient the store does not have are a caller's bug;
/// they change nothing.
pub fn warn_if_missing(updates: usize, updated: usize) {
    let missing = updates.saturating_sub(updated);
    if missing > 0 {
        tracing::warn!(missing, "updates for unknown recipients ignored");
    }
}

/// Rows per statement: nine parameters each stays far below SQLite's limit
/// of 32766 parameters.
const ROWS_PER_STATEMENT: usize = 1000;

/// Splits `updates` into runs that each name a recipient at most once and
/// hold at most `ROWS_PER_STATEMENT` rows. One statement updates a whole
/// run; a recipient updated twice in one call gets its updates in order.
fn rounds(updates: &[RecipientUpdate]) -> Vec<Vec<&RecipientUpdate>> {
    let mut rounds: Vec<Vec<&RecipientUpdate>> = Vec::new();
    let mut seen = HashSet::new();
    for update in updates {
        let fresh = seen.insert((update.message_id, update.index));
        match rounds.last_mut() {
            Some(round) if fresh && round.len() < ROWS_PER_STATEMENT => round.push(update),
            _ => {
                seen.clear();
                seen.insert((update.message_id, update.index));
                rounds.push(vec![update]);
            }
        }
    }
    rounds
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

/// Pushes the statement that applies a run of updates (each recipient
/// once). A due time is never before the hold of the recipient's next hop
/// (see `holds`).
fn push_updates<'a>(sql: &mut QueryBuilder<'a, Sqlite>, round: &[&'a RecipientUpdate]) {
    sql.push("WITH u (message_id, idx, due, state, added, last_error, code, reply, at) AS (");
    sql.push_values(round, |mut row, update| {
        let last_error = update.last_error.as_ref();
        row.push_bind(id_to_db(update.message_id))
            .push_bind(i64::from(update.index))
            .push_bind(due_time(update))
            .push_bind(update.state.as_str())
            .push_bind(i64::from(update.attempts_added))
            .push_bind(last_error.map(json_to_db))
            .push_bind(last_error.map(|error| error.diagnosis.code().to_string()))
            .push_bind(&update.delivered_reply)
            .push_bind(time_to_db(update.at));
    });
    sql.push(format!(
        ") UPDATE recipients SET state = u.state, attempts = attempts + u.added, \
         next_attempt_at = CASE WHEN u.due IS NULL THEN NULL ELSE {} END, \
         last_error = COALESCE(u.last_error, recipients.last_error), \
         last_error_code = COALESCE(u.code, recipients.last_error_code), \
         delivered_reply = COALESCE(u.reply, recipients.delivered_reply), \
         lease_node = NULL, lease_until = NULL, updated_at = u.at \
         FROM u WHERE recipients.message_id = u.message_id AND recipients.idx = u.idx \
         RETURNING 1; ",
        not_before_hold("u.due")
    ));
}

/// A message is pending while any of its recipients still waits.
fn push_refresh_pending(sql: &mut QueryBuilder<'_, Sqlite>, ids: &[MessageId]) {
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        sql.push(
            "UPDATE messages SET pending = EXISTS (SELECT 1 FROM recipients r \
             WHERE r.message_id = messages.id \
             AND r.state IN ('queued', 'in_flight', 'deferred', 'suspended')) WHERE id IN (",
        );
        push_ids(sql, chunk.iter().copied());
        sql.push("); ");
    }
}
