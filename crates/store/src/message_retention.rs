//! Finished messages leave the store with their trace: a message none of
//! whose recipients waits any more, and whose last recipient finished
//! before the event retention's cutoff, is deleted with its recipients
//! and its body, so that the store grows with the queue and the retained
//! trace, not with every message ever relayed. A message that still owes
//! its sender a report stays until the report is queued.
//!
//! A pass walks the messages received before the cutoff in arrival order,
//! `BATCH` at a time, each batch one write transaction that resumes where
//! the one before stopped: messages that must stay (a backlog older than a
//! short retention, say) are looked at once per pass, and no batch holds
//! its locks (the embedded store: its single writer) for more than `BATCH`
//! of them. Each back end writes a batch in its own dialect.

/// Messages looked at per transaction.
pub const BATCH: usize = 2000;

/// Where a pass has got to: the arrival time (as stored) of the last
/// message looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(pub i64);

impl Cursor {
    /// Before every message.
    pub const START: Cursor = Cursor(i64::MIN);
}

/// What one batch did: how many messages it deleted, and where the next
/// batch starts (`None`: the pass has looked at every message received
/// before the cutoff).
#[derive(Debug, PartialEq, Eq)]
pub struct Batch {
    pub deleted: u64,
    pub next: Option<Cursor>,
}

/// A whole pass, batch after batch from the first message: a back end
/// writes the batch from `next` and gives what it did to `done`, until
/// there is no next.
#[derive(Debug)]
pub struct Pass {
    next: Option<Cursor>,
    deleted: u64,
}

impl Default for Pass {
    fn default() -> Pass {
        Pass {
            next: Some(Cursor::START),
            deleted: 0,
        }
    }
}

impl Pass {
    /// Where the next batch starts.
    pub fn next(&self) -> Option<Cursor> {
        self.next
    }

    pub fn done(&mut self, batch: Batch) {
        self.deleted += batch.deleted;
        self.next = batch.next;
    }

    /// Messages deleted so far.
    pub fn deleted(&self) -> u64 {
        self.deleted
    }
}
