//! The injected clock. Retry, expiry and notices read time through `Clock`,
//! so tests move a `ManualClock` instead of sleeping: a 24-hour expiry is
//! exercised in milliseconds, for real.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use time::OffsetDateTime;
use tokio::sync::watch;

pub type SleepFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
    /// Resolves once `now() >= deadline`.
    fn sleep_until(&self, deadline: OffsetDateTime) -> SleepFuture<'_>;
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn sleep_until(&self, deadline: OffsetDateTime) -> SleepFuture<'_> {
        Box::pin(async move {
            let wait = deadline - OffsetDateTime::now_utc();
            if wait.is_positive() {
                tokio::time::sleep(wait.unsigned_abs()).await;
            }
        })
    }
}

/// A clock that only moves when told to. Sleepers wake when it is moved past
/// their deadline.
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
    moved: watch::Sender<OffsetDateTime>,
}

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        let (moved, _) = watch::channel(start);
        ManualClock {
            now: Mutex::new(start),
            moved,
        }
    }

    /// Starts at the current wall-clock time.
    pub fn starting_now() -> Self {
        Self::new(OffsetDateTime::now_utc())
    }

    pub fn advance(&self, by: std::time::Duration) {
        let mut now = self.now.lock().unwrap();
        *now += by;
        self.moved.send_replace(*now);
    }

    pub fn set(&self, to: OffsetDateTime) {
        let mut now = self.now.lock().unwrap();
        *now = to;
        self.moved.send_replace(to);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap()
    }

    fn sleep_until(&self, deadline: OffsetDateTime) -> SleepFuture<'_> {
        let mut moved = self.moved.subscribe();
        Box::pin(async move {
            loop {
                if self.now() >= deadline {
                    return;
                }
                if moved.changed().await.is_err() {
                    return;
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn manual_clock_wakes_sleepers_only_when_moved_past_their_deadline() {
        let clock = Arc::new(ManualClock::starting_now());
        let deadline = clock.now() + Duration::from_secs(3600);
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until(deadline).await })
        };
        clock.advance(Duration::from_secs(1800));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(Duration::from_secs(1800));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .unwrap()
            .unwrap();
    }
}
