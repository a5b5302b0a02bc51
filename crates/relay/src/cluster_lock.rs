//! One at a time, across the cluster: changing the settings, applying a
//! fix.
//!
//! The admin API and fix actions read the settings in force, change them
//! and save them. Two changes at once would each overwrite the other's,
//! and two fixes at once (a suspend here, a resume there) would leave the
//! queue in neither's state. On one node a mutex keeps them apart; between
//! nodes sharing a store, a cluster lease on the work (`ClusterStore`)
//! does. The lease is given up when the guard goes, and runs out on its
//! own if its node dies holding it.

use crate::engine::Engine;
use mailflow_store::{Result, SharedStore, StoreError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::MutexGuard;

/// What a lock is for: the cluster lease's name, and words for the
/// operator who has to wait.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Guarded {
    Settings,
    Fixes,
}

impl Guarded {
    fn work(self) -> &'static str {
        match self {
            Guarded::Settings => "settings",
            Guarded::Fixes => "fixes",
        }
    }

    fn doing(self) -> &'static str {
        match self {
            Guarded::Settings => "changing the settings",
            Guarded::Fixes => "applying a fix",
        }
    }
}
/// Longer than any change takes; a dead node's lease runs out after it.
const TTL: Duration = Duration::from_secs(30);
/// How long to wait for another node's change to finish, and how often to
/// look meanwhile.
const PATIENCE: Duration = Duration::from_secs(5);
const LOOK_EVERY: Duration = Duration::from_millis(50);

/// Holds taken by this process so far.
static HOLDS: AtomicU64 = AtomicU64::new(0);

/// Held while the guarded work runs; see `NodeHandle::lock_org_edits`
/// and `NodeHandle::lock_fixes`.
pub struct ClusterLock<'a> {
    _local: MutexGuard<'a, ()>,
    held: Option<(SharedStore, &'static str, String)>,
}

impl<'a> ClusterLock<'a> {
    pub(crate) async fn acquire(
        local: MutexGuard<'a, ()>,
        engine: &Engine,
        guarded: Guarded,
    ) -> Result<Self> {
        let work = guarded.work();
        // Each hold has a name of its own, so that giving up one (after
        // its guard is gone) can never end the next.
        let holder = format!(
            "{}#{}",
            engine.node_name,
            HOLDS.fetch_add(1, Ordering::Relaxed)
        );
        let node = &holder;
        let started = tokio::time::Instant::now();
        loop {
            let now = engine.clock.now();
            if engine.store.lead(work, node, now, TTL).await? {
                return Ok(ClusterLock {
                    _local: local,
                    held: Some((engine.store.clone(), work, holder)),
                });
            }
            if started.elapsed() >= PATIENCE {
                let holder = engine.store.leader(work, now).await?.unwrap_or_default();
                let other = holder.split('#').next().unwrap_or_default();
                return Err(StoreError::Busy(format!(
                    "node {other} is {}; try again in a moment",
                    guarded.doing()
                )));
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    }
}

impl Drop for ClusterLock<'_> {
    fn drop(&mut self) {
        if let Some((store, work, holder)) = self.held.take() {
            tokio::spawn(async move {
                if let Err(error) = store.step_down(work, &holder).await {
                    tracing::debug!(%error, work, "giving a cluster lease up failed; it runs out on its own");
                }
            });
        }
    }
}
