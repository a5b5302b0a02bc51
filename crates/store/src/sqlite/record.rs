//! Recording outcomes: recipient updates, and their events.
//!
//! Records are written with the writer's group commits (see `group`): all
//! the updates of a group with one statement, whatever their number (see
//! `json_rows`); their events follow in batches (see `event_log`). A message stops being `pending` (and leaves the expiry
//! and delay-notice indexes) when the last of its recipients reaches a
//! final state.

use super::codec::{json_to_db, time_to_db};
use super::holds::not_before_hold;
use super::json_rows;
use crate::folded_updates::{due_time, fold};
use crate::{RecipientUpdate, Result};
use mailflow_core::{Event, MessageId};
use std::collections::BTreeSet;
use std::sync::LazyLock;
use tokio::sync::oneshot;

/// A record waiting for the writer's next group commit (see `group`).
pub struct RecordRequest {
    pub updates: Vec<RecipientUpdate>,
    pub events: Vec<Event>,
    pub answer: oneshot::Sender<Result<()>>,
}

/// Applies the updates of its one parameter (`RecordRows::updates`); returns
/// a row per recipient updated. A due time is never before the hold of the
/// recipient's next hop (see `holds`). A delivered recipient keeps no last
/// error: the failures before it stay in its events (the trace), not in
/// the queue's view of it.
pub static UPDATE_RECIPIENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH j (value) AS MATERIALIZED (SELECT jsonb(value) FROM json_each(?)), \
         u (message_id, idx, due, state, added, last_error, code, reply, at) AS (\
         SELECT unhex(value ->> 0), value ->> 1, value ->> 2, value ->> 3, value ->> 4, \
         value ->> 5, value ->> 6, value ->> 7, value ->> 8 FROM j) \
         UPDATE recipients SET state = u.state, attempts = attempts + u.added, \
         next_attempt_at = CASE WHEN u.due IS NULL THEN NULL ELSE {} END, \
         last_error = CASE WHEN u.state = 'delivered' THEN NULL \
         ELSE COALESCE(u.last_error, recipients.last_error) END, \
         last_error_code = CASE WHEN u.state = 'delivered' THEN NULL \
         ELSE COALESCE(u.code, recipients.last_error_code) END, \
         delivered_reply = COALESCE(u.reply, recipients.delivered_reply), \
         lease_node = NULL, lease_until = NULL, updated_at = u.at \
         FROM u WHERE recipients.message_id = u.message_id AND recipients.idx = u.idx \
         RETURNING 1",
        not_before_hold("u.due")
    )
});

/// A message is pending while any of its recipients still waits: refreshed
/// for the message ids of its one parameter (`RecordRows::touched`).
pub const REFRESH_PENDING: &str = "UPDATE messages SET pending = EXISTS (SELECT 1 \
     FROM recipients r WHERE r.message_id = messages.id \
     AND r.state IN ('queued', 'in_flight', 'deferred', 'suspended')) \
     WHERE id IN (SELECT unhex(value) FROM json_each(?))";

/// What a group's records write, as the parameters of `UPDATE_RECIPIENTS`
/// and `REFRESH_PENDING`.
pub struct RecordRows {
    pub updates: String,
    /// Recipients the updates name, each counted once.
    pub recipients: usize,
    pub touched: String,
}

impl RecordRows {
    pub fn new<'u>(updates: impl IntoIterator<Item = &'u RecipientUpdate>) -> RecordRows {
        let folded = fold(updates);
        let touched: BTreeSet<MessageId> = folded.iter().map(|f| f.last.message_id).collect();
        RecordRows {
            recipients: folded.len(),
            updates: json_rows::array(folded.iter().map(|f| {
                let error = f.last_error;
                (
                    json_rows::id(f.last.message_id),
                    f.last.index,
                    due_time(f.last),
                    f.last.state.as_str(),
                    f.attempts_added,
                    error.map(json_to_db),
                    error.map(|error| error.diagnosis.code().to_string()),
                    f.reply,
                    time_to_db(f.last.at),
                )
            })),
            touched: json_rows::array(touched.into_iter().map(json_rows::id)),
        }
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
