//! Keeps this node's leases from running out while it delivers.
//!
//! A claim leases its recipients to the node for `queue.lease`; another
//! node takes leased work over only once the lease has run out (its node
//! died or stalled). A delivery may take longer than a lease (a large
//! message to a slow server), so every third of a lease the node moves the
//! end of all its leases to a whole lease from then. A node that stops
//! renews nothing, and its work passes to the others within one lease.

use crate::engine::Engine;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub(crate) async fn run(engine: Arc<Engine>, shutdown: CancellationToken) {
    loop {
        let lease = engine.live().settings.queue.lease;
        let now = engine.clock.now();
        if let Err(error) = engine
            .store
            .renew_leases(&engine.node_name, now + lease)
            .await
        {
            tracing::warn!(%error, "could not renew this node's leases; if this lasts, another node may take its deliveries over");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = engine.clock.sleep_until(now + lease / 3) => {}
        }
    }
}
