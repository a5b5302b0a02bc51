//! Recording deliveries as the next hop answers them.
//!
//! A round carries up to `max_messages_per_connection` messages over one
//! connection, and its outcomes are decided when the connection is done.
//! A node killed in the middle would then send again every message the
//! round had already delivered. So while the round goes on, each message
//! whose recipients were all delivered is recorded at once (many to a
//! write, as they come); the round's own record leaves those out. Anything
//! else — deferrals, bounces, a hop that fails — is still decided with the
//! whole round in view.

use crate::data_drops::EarlierDrops;
use crate::engine::Engine;
use crate::outcome::{self, Context};
use mailflow_core::MessageId;
use mailflow_deliver::{DeliveryReport, NextHopPlan, OutboundMessage, RecipientOutcome, Settled};
use mailflow_store::ClaimedMessage;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::mpsc;

/// How many settled messages one write takes at most.
const PER_WRITE: usize = 64;

/// What the round knows of its next hop, for the decisions made here.
pub(crate) struct HopView<'a> {
    pub next_hop: &'a str,
    pub connector: Option<&'a str>,
    pub hop_failures: u32,
}

/// Delivers `outbound` (the claimed messages, in order) and records each
/// fully delivered message while the delivery goes on; returns the report
/// and the ids already recorded.
pub(crate) async fn deliver(
    engine: &Arc<Engine>,
    plan: &NextHopPlan,
    outbound: &[OutboundMessage],
    claimed: &[ClaimedMessage],
    hop: HopView<'_>,
) -> (DeliveryReport, HashSet<MessageId>) {
    let (settled, settled_rx) = mpsc::unbounded_channel();
    let delivering = async {
        // Dropped when delivery ends, which ends the recording.
        let settled = settled;
        let deliverer = engine.live().deliverer.clone();
        deliverer
            .deliver_reporting(plan, outbound, Some(&settled))
            .await
    };
    tokio::join!(
        delivering,
        record_deliveries(engine, claimed, hop, settled_rx)
    )
}

/// Records the fully delivered messages among those `settled` reports until
/// the delivery ends; returns the ids recorded. A failed write is logged
/// and its messages are left to the round's own record.
async fn record_deliveries(
    engine: &Arc<Engine>,
    claimed: &[ClaimedMessage],
    hop: HopView<'_>,
    mut settled: mpsc::UnboundedReceiver<Settled>,
) -> HashSet<MessageId> {
    let mut recorded = HashSet::new();
    let mut batch = Vec::with_capacity(PER_WRITE);
    let no_drops = EarlierDrops::new();
    let live = engine.live();
    while settled.recv_many(&mut batch, PER_WRITE).await > 0 {
        let ctx = Context {
            now: engine.clock.now(),
            schedule: &live.schedule,
            next_hop: hop.next_hop,
            connector: hop.connector,
            hop_failures: hop.hop_failures,
            // Only fully delivered messages are decided here.
            earlier_data_drops: &no_drops,
        };
        let mut updates = Vec::new();
        let mut events = Vec::new();
        let mut ids = Vec::new();
        for done in batch.drain(..).filter(all_delivered) {
            let Some(message) = claimed.get(done.index) else {
                continue;
            };
            let report = DeliveryReport {
                addresses: done.addresses,
                messages: vec![done.outcomes],
            };
            let decisions = outcome::decide(std::slice::from_ref(message), &report, &ctx);
            updates.extend(decisions.updates);
            events.extend(decisions.events);
            ids.push(message.id);
        }
        if ids.is_empty() {
            continue;
        }
        match engine.store.record(updates, events.clone()).await {
            Ok(()) => {
                crate::delivery_log::log(&events);
                crate::metrics::count_attempts(&events, claimed, ctx.now);
                recorded.extend(ids);
            }
            Err(error) => {
                tracing::warn!(%error, messages = ids.len(), "could not record deliveries as they came; the round will");
            }
        }
    }
    recorded
}

fn all_delivered(settled: &Settled) -> bool {
    !settled.outcomes.is_empty()
        && settled
            .outcomes
            .iter()
            .all(|outcome| matches!(outcome, RecipientOutcome::Delivered { .. }))
}
