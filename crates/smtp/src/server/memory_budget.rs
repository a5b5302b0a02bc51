//! The memory all sessions together may hold for messages being received.
//!
//! Each session may receive a message up to the size limit, so without a
//! shared bound a thousand sessions could hold a thousand times that. A
//! session reserves from the budget as its message grows, in steps of
//! [`STEP`] bytes, and gives it all back when the reservation is dropped
//! (once the message is stored or refused). When the budget has no room the
//! message is read to its end without being kept and refused for now
//! (`452 4.3.1`): the client tries again later, when others are done.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Reservations grow by this much at a time, so that a message costs an
/// atomic operation per step, not per read.
pub const STEP: u64 = 16 * 1024;

#[derive(Debug)]
pub struct MemoryBudget {
    limit: u64,
    reserved: AtomicU64,
}

impl MemoryBudget {
    pub fn new(limit: u64) -> Arc<MemoryBudget> {
        Arc::new(MemoryBudget {
            limit,
            reserved: AtomicU64::new(0),
        })
    }

    /// A budget that always has room (tests, tools).
    pub fn unlimited() -> Arc<MemoryBudget> {
        MemoryBudget::new(u64::MAX)
    }

    /// Bytes reserved now by all sessions.
    pub fn reserved(&self) -> u64 {
        self.reserved.load(Ordering::Relaxed)
    }

    /// An empty reservation, to grow while a message arrives.
    pub fn reservation(self: &Arc<Self>) -> Reservation {
        Reservation {
            budget: self.clone(),
            held: 0,
        }
    }

    fn try_take(&self, bytes: u64) -> bool {
        self.reserved
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |reserved| {
                reserved
                    .checked_add(bytes)
                    .filter(|&total| total <= self.limit)
            })
            .is_ok()
    }
}

/// One session's share of the budget; given back when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<MemoryBudget>,
    held: u64,
}

impl Reservation {
    /// Makes sure at least `bytes` are held, taking whole steps. `false`
    /// when the budget has no room for them (what is held stays held).
    pub fn cover(&mut self, bytes: u64) -> bool {
        if bytes <= self.held {
            return true;
        }
        let wanted = bytes.div_ceil(STEP).saturating_mul(STEP);
        if self.budget.try_take(wanted - self.held) {
            self.held = wanted;
            true
        } else {
            false
        }
    }

    pub fn held(&self) -> u64 {
        self.held
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.reserved.fetch_sub(self.held, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_grow_in_steps_up_to_the_limit_and_give_back_when_dropped() {
        let budget = MemoryBudget::new(3 * STEP);
        let mut first = budget.reservation();
        assert!(first.cover(1));
        assert_eq!((first.held(), budget.reserved()), (STEP, STEP));
        assert!(first.cover(STEP + 1));
        assert_eq!(budget.reserved(), 2 * STEP);

        let mut second = budget.reservation();
        assert!(second.cover(STEP));
        assert!(!second.cover(STEP + 1), "past the limit");
        assert_eq!(second.held(), STEP, "what was held stays held");
        assert_eq!(budget.reserved(), 3 * STEP);

        drop(first);
        assert_eq!(budget.reserved(), STEP);
        assert!(second.cover(3 * STEP));
        drop(second);
        assert_eq!(budget.reserved(), 0);
    }
}
