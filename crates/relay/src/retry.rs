//! The retry schedule: the waits between attempts, the last one repeating,
//! each with a little jitter so that a backlog does not retry in lockstep.

use rand::Rng;
use std::time::Duration;

/// How far the jitter may move a wait, as a fraction of it (±).
const JITTER: f64 = 0.05;

#[derive(Debug, Clone)]
pub struct RetrySchedule {
    waits: Vec<Duration>,
}

impl RetrySchedule {
    /// `waits` must not be empty (the config loader refuses an empty list).
    pub fn new(waits: Vec<Duration>) -> Self {
        assert!(
            !waits.is_empty(),
            "a retry schedule needs at least one wait"
        );
        RetrySchedule { waits }
    }

    /// The wait after the `failures`-th failure in a row (1 for the first).
    pub fn base_wait(&self, failures: u32) -> Duration {
        let index = (failures.max(1) as usize - 1).min(self.waits.len() - 1);
        self.waits[index]
    }

    /// The wait with jitter applied.
    pub fn wait(&self, failures: u32) -> Duration {
        let base = self.base_wait(failures);
        let factor = 1.0 + rand::rng().random_range(-JITTER..=JITTER);
        base.mul_f64(factor)
    }

    /// The longest a wait after `failures` failures can be, jitter included.
    pub fn max_wait(&self, failures: u32) -> Duration {
        self.base_wait(failures).mul_f64(1.0 + JITTER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule() -> RetrySchedule {
        RetrySchedule::new([60, 300, 900, 1800, 3600].map(Duration::from_secs).to_vec())
    }

    #[test]
    fn waits_follow_the_schedule_and_the_last_one_repeats() {
        let schedule = schedule();
        assert_eq!(schedule.base_wait(1), Duration::from_secs(60));
        assert_eq!(schedule.base_wait(2), Duration::from_secs(300));
        assert_eq!(schedule.base_wait(5), Duration::from_secs(3600));
        assert_eq!(schedule.base_wait(40), Duration::from_secs(3600));
    }

    #[test]
    fn jitter_stays_within_five_percent() {
        let schedule = schedule();
        for _ in 0..1000 {
            let wait = schedule.wait(1).as_secs_f64();
            assert!((57.0..=63.0).contains(&wait), "{wait}");
        }
    }
}
