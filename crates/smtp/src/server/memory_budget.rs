//! The memory all sessions together may hold for messages being received.
//!
//! Each session may receive a message up to the size limit, so without a
//! shared bound a thousand sessions could hold a thousand times that. A
//! session reserves from the budget as its message grows, in steps of
//! [`STEP`] bytes, before the bytes are kept, and gives it all back when
//! the reservation is dropped (once the message is stored) or released
//! (the moment the message is known to be refused). When the budget has no
//! room the message is read to its end without being kept and refused for
//! now (`452 4.3.1`): the client tries again later, when others are done.
//!
//! A reservation made for a client address also counts against that
//! address's share ([`MemoryBudget::with_client_share`]), so that one
//! client sending many large messages at once cannot take the whole budget
//! and have everyone else's mail refused.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Reservations grow by this much at a time, so that a message costs an
/// atomic operation per step, not per read.
pub const STEP: u64 = 16 * 1024;

#[derive(Debug)]
pub struct MemoryBudget {
    limit: AtomicU64,
    /// What one client address may hold at most.
    client_share: AtomicU64,
    reserved: AtomicU64,
    /// What each client address holding something holds now.
    clients: Mutex<HashMap<IpAddr, u64>>,
}

impl MemoryBudget {
    /// A budget of `limit` bytes, any client may take all of it.
    pub fn new(limit: u64) -> Arc<MemoryBudget> {
        MemoryBudget::with_client_share(limit, limit)
    }

    /// A budget of `limit` bytes of which one client address may hold
    /// `client_share` at most (see [`MemoryBudget::reservation_for`]).
    pub fn with_client_share(limit: u64, client_share: u64) -> Arc<MemoryBudget> {
        Arc::new(MemoryBudget {
            limit: AtomicU64::new(limit),
            client_share: AtomicU64::new(client_share),
            reserved: AtomicU64::new(0),
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// A budget that always has room (tests, tools).
    pub fn unlimited() -> Arc<MemoryBudget> {
        MemoryBudget::new(u64::MAX)
    }

    /// Changes the limits (a config reload). What is held already stays
    /// held; a lower limit takes effect as it is given back.
    pub fn set_limits(&self, limit: u64, client_share: u64) {
        self.limit.store(limit, Ordering::Release);
        self.client_share.store(client_share, Ordering::Release);
    }

    /// Bytes reserved now by all sessions.
    pub fn reserved(&self) -> u64 {
        self.reserved.load(Ordering::Relaxed)
    }

    /// Bytes reserved now for messages from `client`.
    pub fn reserved_by(&self, client: IpAddr) -> u64 {
        self.clients().get(&client).copied().unwrap_or(0)
    }

    /// An empty reservation bounded by the whole budget only, to grow while
    /// a message arrives.
    pub fn reservation(self: &Arc<Self>) -> Reservation {
        Reservation {
            budget: self.clone(),
            client: None,
            held: 0,
        }
    }

    /// An empty reservation that also counts against `client`'s share.
    pub fn reservation_for(self: &Arc<Self>, client: IpAddr) -> Reservation {
        Reservation {
            budget: self.clone(),
            client: Some(client),
            held: 0,
        }
    }

    fn try_take(&self, bytes: u64, client: Option<IpAddr>) -> bool {
        let Some(client) = client else {
            return self.try_take_from_all(bytes);
        };
        let mut clients = self.clients();
        let held = clients.get(&client).copied().unwrap_or(0);
        let within_share = held
            .checked_add(bytes)
            .is_some_and(|total| total <= self.client_share.load(Ordering::Acquire));
        if !within_share || !self.try_take_from_all(bytes) {
            return false;
        }
        *clients.entry(client).or_default() += bytes;
        true
    }

    fn try_take_from_all(&self, bytes: u64) -> bool {
        self.reserved
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |reserved| {
                reserved
                    .checked_add(bytes)
                    .filter(|&total| total <= self.limit.load(Ordering::Acquire))
            })
            .is_ok()
    }

    fn give_back(&self, bytes: u64, client: Option<IpAddr>) {
        if bytes == 0 {
            return;
        }
        if let Some(client) = client {
            let mut clients = self.clients();
            if let Some(held) = clients.get_mut(&client) {
                *held -= bytes;
                if *held == 0 {
                    clients.remove(&client);
                }
            }
        }
        self.reserved.fetch_sub(bytes, Ordering::AcqRel);
    }

    fn clients(&self) -> MutexGuard<'_, HashMap<IpAddr, u64>> {
        // The map is only ever changed by whole, non-panicking updates.
        self.clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One message's share of the budget; given back when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<MemoryBudget>,
    client: Option<IpAddr>,
    held: u64,
}

impl Reservation {
    /// Makes sure at least `bytes` are held, taking whole steps. `false`
    /// when the budget (or the client's share) has no room for them (what
    /// is held stays held).
    pub fn cover(&mut self, bytes: u64) -> bool {
        if bytes <= self.held {
            return true;
        }
        let wanted = bytes.div_ceil(STEP).saturating_mul(STEP);
        if self.budget.try_take(wanted - self.held, self.client) {
            self.held = wanted;
            true
        } else {
            false
        }
    }

    /// Gives back all that is held, at once: for a message that will be
    /// refused, so that others' messages can use the room meanwhile.
    pub fn release(&mut self) {
        self.budget.give_back(self.held, self.client);
        self.held = 0;
    }

    pub fn held(&self) -> u64 {
        self.held
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.release();
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

    #[test]
    fn a_released_reservation_gives_back_at_once_and_can_grow_again() {
        let budget = MemoryBudget::new(2 * STEP);
        let mut first = budget.reservation();
        assert!(first.cover(2 * STEP));
        let mut second = budget.reservation();
        assert!(!second.cover(1));
        first.release();
        assert_eq!((first.held(), budget.reserved()), (0, 0));
        assert!(second.cover(STEP));
        assert!(first.cover(STEP));
        drop((first, second));
        assert_eq!(budget.reserved(), 0);
    }

    #[test]
    fn one_client_address_holds_at_most_its_share_while_others_still_take() {
        let budget = MemoryBudget::with_client_share(4 * STEP, 2 * STEP);
        let greedy: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let mut first = budget.reservation_for(greedy);
        assert!(first.cover(STEP));
        let mut second = budget.reservation_for(greedy);
        assert!(second.cover(STEP));
        let mut third = budget.reservation_for(greedy);
        assert!(!third.cover(1), "past the address's share");
        assert_eq!(budget.reserved_by(greedy), 2 * STEP);
        let mut others = budget.reservation_for(other);
        assert!(others.cover(2 * STEP), "another address still has room");
        let mut unshared = budget.reservation();
        assert!(!unshared.cover(1), "the whole budget is taken");

        drop(first);
        assert!(third.cover(STEP), "the share has room again");
        drop((second, third, others));
        assert_eq!(budget.reserved_by(greedy), 0);
        assert_eq!(budget.reserved(), 0);
        assert!(unshared.cover(4 * STEP));
    }
}
