//! Outcome updates folded per recipient, so that one statement can apply
//! a batch of them, whichever back end writes it.

use crate::columns::time_to_db;
use crate::{LastError, RecipientUpdate};
use mailflow_core::{MessageId, RecipientState};
use std::collections::HashMap;

/// The updates of one recipient folded into one. One statement applies a
/// batch's updates and can name each recipient only once; applying the
/// folded update does what applying each in turn would: the last one's
/// state, due time and time, the attempts of all, and the latest error and
/// reply given.
pub struct Folded<'u> {
    pub last: &'u RecipientUpdate,
    pub attempts_added: u32,
    pub last_error: Option<&'u LastError>,
    pub reply: Option<&'u String>,
}

impl<'u> Folded<'u> {
    fn new(update: &'u RecipientUpdate) -> Folded<'u> {
        Folded {
            last: update,
            attempts_added: update.attempts_added,
            last_error: update.last_error.as_ref(),
            reply: update.delivered_reply.as_ref(),
        }
    }

    fn then(&mut self, update: &'u RecipientUpdate) {
        self.last = update;
        self.attempts_added = self.attempts_added.saturating_add(update.attempts_added);
        self.last_error = update.last_error.as_ref().or(self.last_error);
        self.reply = update.delivered_reply.as_ref().or(self.reply);
    }
}

/// Folds `updates` per recipient, in the order each recipient first comes.
pub fn fold<'u>(updates: impl IntoIterator<Item = &'u RecipientUpdate>) -> Vec<Folded<'u>> {
    let mut folded: Vec<Folded<'u>> = Vec::new();
    let mut at: HashMap<(MessageId, u32), usize> = HashMap::new();
    for update in updates {
        match at.get(&(update.message_id, update.index)) {
            Some(&position) => folded[position].then(update),
            None => {
                at.insert((update.message_id, update.index), folded.len());
                folded.push(Folded::new(update));
            }
        }
    }
    folded
}

/// A recipient waiting without a due time would never be tried again, so
/// queued and deferred recipients without one are due at the update's time.
pub fn due_time(update: &RecipientUpdate) -> Option<i64> {
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
