//! The memory all deliveries together may hold for bodies.
//!
//! A transaction streams its body through fixed buffers, so what one holds
//! does not depend on the body's size; but the node may run any number of
//! connections at once (up to `max_connections` per next hop, and as many
//! next hops as have mail). Each transaction holds its share of this budget
//! while it sends (its buffers, plus the whole body for a body that can only
//! be read whole) and waits for room when there is none, so the bytes held
//! for bodies never pass the budget however much is queued or retried at
//! once. The receiving side has its own budget; this one waits instead of
//! refusing, since the mail is already ours.

use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The budget is counted in KiB, so that it fits the semaphore's `u32`.
const UNIT: u64 = 1024;

#[derive(Debug)]
pub struct DeliveryMemory {
    semaphore: Arc<Semaphore>,
    units: u32,
}

/// A share of the budget, given back when dropped.
#[derive(Debug)]
pub struct MemoryHold {
    _permit: OwnedSemaphorePermit,
}

impl DeliveryMemory {
    /// A budget of `limit` bytes (at least 1 KiB).
    pub fn new(limit: u64) -> Arc<DeliveryMemory> {
        let units = u32::try_from((limit / UNIT).max(1)).unwrap_or(u32::MAX);
        Arc::new(DeliveryMemory {
            semaphore: Arc::new(Semaphore::new(units as usize)),
            units,
        })
    }

    /// The budget in bytes.
    pub fn limit(&self) -> u64 {
        u64::from(self.units) * UNIT
    }

    /// Bytes held now by all deliveries.
    pub fn held(&self) -> u64 {
        self.limit() - self.semaphore.available_permits() as u64 * UNIT
    }

    /// Waits until `bytes` fit and holds them. More than the whole budget
    /// takes the whole budget, so that it still goes, alone.
    pub async fn hold(&self, bytes: u64) -> MemoryHold {
        let units = u32::try_from(bytes.div_ceil(UNIT))
            .unwrap_or(u32::MAX)
            .clamp(1, self.units);
        let permit = self
            .semaphore
            .clone()
            .acquire_many_owned(units)
            .await
            .expect("the delivery memory semaphore is never closed");
        MemoryHold { _permit: permit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn a_hold_waits_for_room_and_gives_it_back_when_dropped() {
        let budget = DeliveryMemory::new(100 * UNIT);
        let first = budget.hold(60 * UNIT).await;
        assert_eq!(budget.held(), 60 * UNIT);
        let waiting = tokio::time::timeout(Duration::from_secs(1), budget.hold(50 * UNIT)).await;
        assert!(waiting.is_err(), "no room for 50 KiB more");
        drop(first);
        let second = budget.hold(50 * UNIT).await;
        assert_eq!(budget.held(), 50 * UNIT);
        drop(second);
        assert_eq!(budget.held(), 0);
    }

    #[tokio::test]
    async fn more_than_the_budget_takes_all_of_it() {
        let budget = DeliveryMemory::new(10 * UNIT);
        let all = budget.hold(1 << 40).await;
        assert_eq!(budget.held(), budget.limit());
        drop(all);
        assert_eq!(budget.held(), 0);
    }
}
