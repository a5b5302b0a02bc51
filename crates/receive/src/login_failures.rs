//! Failed SMTP AUTH log-ins counted per client address, across sessions,
//! over a sliding window (`AuthLimits::lockout_window`). A new connection
//! does not start the count over: the wait before each failure's answer
//! grows with the address's failures, and once it has had
//! `AuthLimits::lockout_after` of them, AUTH from it is refused at once,
//! without checking a password (so no Argon2 work either), until the
//! window has passed since its latest failure.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Addresses remembered at most; past it, those whose window has passed
/// are forgotten first, so an attack from many addresses cannot grow the
/// table without bound.
const MAX_ADDRESSES: usize = 100_000;

pub(crate) struct LoginFailures {
    window: Duration,
    by_client: Mutex<HashMap<IpAddr, Recent>>,
}

/// An address's failures since its count last started.
#[derive(Clone, Copy)]
struct Recent {
    failures: usize,
    latest: Instant,
}

impl LoginFailures {
    pub(crate) fn new(window: Duration) -> LoginFailures {
        LoginFailures {
            window,
            by_client: Mutex::new(HashMap::new()),
        }
    }

    /// The address's failures within the window.
    pub(crate) fn failures(&self, client: IpAddr) -> usize {
        let now = Instant::now();
        let table = self.table();
        table
            .get(&client)
            .filter(|recent| now.duration_since(recent.latest) < self.window)
            .map_or(0, |recent| recent.failures)
    }

    /// Counts a failure of the address; returns its failures now.
    pub(crate) fn record(&self, client: IpAddr) -> usize {
        let now = Instant::now();
        let mut table = self.table();
        if table.len() >= MAX_ADDRESSES && !table.contains_key(&client) {
            let window = self.window;
            table.retain(|_, recent| now.duration_since(recent.latest) < window);
            if table.len() >= MAX_ADDRESSES {
                // All recent: the oldest half goes.
                let mut latest: Vec<Instant> = table.values().map(|r| r.latest).collect();
                latest.sort_unstable();
                let cut = latest[latest.len() / 2];
                table.retain(|_, recent| recent.latest > cut);
            }
        }
        let recent = table.entry(client).or_insert(Recent {
            failures: 0,
            latest: now,
        });
        if now.duration_since(recent.latest) >= self.window {
            recent.failures = 0;
        }
        recent.failures += 1;
        recent.latest = now;
        recent.failures
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Recent>> {
        self.by_client
            .lock()
            .expect("the failure table is never poisoned")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[tokio::test(start_paused = true)]
    async fn failures_add_up_per_address_and_are_forgotten_a_window_after_the_latest() {
        let failures = LoginFailures::new(Duration::from_secs(900));
        assert_eq!(failures.record(A), 1);
        tokio::time::advance(Duration::from_secs(600)).await;
        assert_eq!(failures.record(A), 2, "within the window");
        assert_eq!(failures.failures(B), 0, "each address on its own");
        tokio::time::advance(Duration::from_secs(899)).await;
        assert_eq!(failures.failures(A), 2, "the window runs from the latest");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(failures.failures(A), 0);
        assert_eq!(failures.record(A), 1, "the count starts over");
    }
}
