//! Following the other nodes of a cluster: their changes to the shared
//! store reach this node within seconds.
//!
//! The store tells of changes as they commit (`ClusterStore::changes`):
//! mail another node accepted or made due wakes this node's scheduler, so
//! that whichever node is free delivers it; settings saved through another
//! node's API or fixes are read back and put in force here. Notices can be
//! missed (a dropped connection), so the settings are also read again every
//! `SETTINGS_EVERY`, and the scheduler looks at the queue at least every
//! `scheduler::SHARED_RECHECK`. A node that owns its store runs none of
//! this.

use crate::engine::Engine;
use crate::orgs_in_store;
use mailflow_core::Orgs;
use mailflow_store::StoreChanges;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// The longest an edit made elsewhere goes unseen when its notice is lost.
const SETTINGS_EVERY: Duration = Duration::from_secs(10);

/// Wakes the scheduler whenever another node says mail became due.
pub(crate) async fn wake_on_queue_changes(
    engine: Arc<Engine>,
    mut changes: StoreChanges,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            changed = changes.queue.changed() => {
                if changed.is_err() {
                    return;
                }
                engine.wake.notify_one();
            }
        }
    }
}

/// Puts settings saved by another node in force here.
pub(crate) async fn follow_settings(
    engine: Arc<Engine>,
    orgs: Arc<watch::Sender<Arc<Orgs>>>,
    mut changes: StoreChanges,
    shutdown: CancellationToken,
) {
    loop {
        let next_look = engine.clock.now() + SETTINGS_EVERY;
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = changes.settings.changed() => {}
            _ = engine.clock.sleep_until(next_look) => {}
        }
        match orgs_in_store::load(&engine.store, &engine.org_name).await {
            Ok(saved) if saved != *engine.orgs() => {
                tracing::info!("settings saved by another node are in force");
                orgs.send_replace(Arc::new(saved));
                engine.wake.notify_one();
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not read the settings other nodes saved"),
        }
    }
}
