//! The heartbeat: every interval of the node's clock (and whenever its
//! state changes, or its own API asks) the node looks for a drain request
//! in the store, follows it, and writes what it is doing. Other nodes read
//! the heartbeats to list the cluster; a node three intervals late is shown
//! missing.

use crate::HeartbeatSettings;
use crate::engine::Engine;
use mailflow_store::{NodeHeartbeat, NodeState};
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// What every heartbeat of this run repeats.
pub(crate) struct Beat {
    pub settings: HeartbeatSettings,
    pub started_at: OffsetDateTime,
}

impl Beat {
    fn heartbeat(&self, engine: &Engine, state: NodeState) -> NodeHeartbeat {
        let at = engine.clock.now();
        let interval =
            time::Duration::try_from(self.settings.interval).unwrap_or(time::Duration::MAX / 4);
        NodeHeartbeat {
            name: engine.node_name.clone(),
            version: self.settings.version.clone(),
            started_at: self.started_at,
            at,
            fresh_until: at.saturating_add(interval.saturating_mul(3)),
            state,
            admin_addr: self.settings.admin_url.clone(),
        }
    }

    /// Writes the heartbeat; a failure is logged, and the next one tries
    /// again.
    pub async fn write(&self, engine: &Engine, state: NodeState) {
        let heartbeat = self.heartbeat(engine, state);
        if let Err(error) = engine.store.write_heartbeat(&heartbeat).await {
            tracing::warn!(%error, "could not write the node's heartbeat");
        }
    }
}

/// Drains or resumes the node as the store asks. A failed read changes
/// nothing: the node goes on as it was until the next look.
pub(crate) async fn follow_drain_request(engine: &Engine) {
    match engine.store.drain_requested(&engine.node_name).await {
        Ok(true) if engine.availability.state() == NodeState::Running => {
            tracing::info!("draining: taking no new work, finishing what is in flight");
            engine.availability.drain();
        }
        Ok(false) if engine.availability.state() != NodeState::Running => {
            tracing::info!("resumed: taking work again");
            engine.availability.resume();
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "could not look for a drain request"),
    }
}

/// Heartbeats after the first (written by `Node::start`): one at each
/// interval after the start on the node's clock, and one at once when the
/// node's state changes (`state` was taken before the first) or its API
/// asks for a look.
pub(crate) async fn run(
    engine: Arc<Engine>,
    beat: Arc<Beat>,
    mut state: watch::Receiver<NodeState>,
    shutdown: CancellationToken,
) {
    let interval = beat.settings.interval;
    let mut next = beat.started_at + interval;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = engine.clock.sleep_until(next) => {
                // Kept on the start's beat, unless the clock jumped past
                // several beats at once.
                next = (next + interval).max(engine.clock.now());
            }
            _ = engine.look_for_drain.notified() => {}
            _ = state.changed() => {}
        }
        follow_drain_request(&engine).await;
        state.mark_unchanged();
        beat.write(&engine, engine.availability.state()).await;
    }
}
