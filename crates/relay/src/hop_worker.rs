//! A hop worker: claims due messages of one next hop, hands them to delivery
//! over one connection, records what happened, and goes on while there is
//! more. After a connection-level failure the whole hop is put on hold; a
//! worker in probe mode sends one message to a held hop and, when it gets
//! through, lifts the hold and drains the queue at full speed. A message
//! that made the hop drop the connection during its data holds nothing
//! (see `data_drops`). A worker of a draining node stops after its round.

use crate::data_drops;
use crate::early_record::{self, HopView};
use crate::engine::{Engine, Live};
use crate::lost_bodies;
use crate::notices;
use crate::outbound_body::QueuedBody;
use crate::outcome::{self, Context};
use crate::plan::plan_for;
use mailflow_core::MessageId;
use mailflow_core::{Diagnosis, RecipientState, Route};
use mailflow_deliver::{MessageBody, OutboundMessage, OutboundRecipient};
use mailflow_store::{
    ClaimedMessage, LastError, NextHopHold, RecipientUpdate, Result, StoreError, StoredBody,
};
use std::collections::HashMap;
use std::sync::Arc;

/// How long recipients given back after a failed round wait before the
/// next try: long enough not to spin on a failing store.
const GIVE_BACK_WAIT: time::Duration = time::Duration::minutes(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// As many messages as are due, connection after connection.
    Drain,
    /// One message, to see whether a held hop works again.
    Probe,
}

pub(crate) async fn run(engine: &Arc<Engine>, next_hop: &str, mut mode: Mode) {
    // A draining node finishes the round under way and claims no more.
    while engine.availability.taking_work() {
        match round(engine, next_hop, mode).await {
            Ok(Round::Delivered) if mode == Mode::Probe => {
                // The hop works again: lift the hold and drain it.
                if let Err(error) = engine.store.release_next_hop(next_hop).await {
                    tracing::error!(%error, next_hop, "could not lift the hold of a next hop");
                    return;
                }
                tracing::info!(next_hop, "next hop answered the probe; draining its queue");
                engine.wake.notify_one();
                mode = Mode::Drain;
            }
            Ok(Round::Delivered | Round::NothingSent) => {}
            Ok(Round::Empty | Round::Held) => return,
            Err(error) => {
                tracing::error!(%error, next_hop, "delivery round failed");
                return;
            }
        }
    }
}

enum Round {
    /// Nothing was due (any more).
    Empty,
    /// The round got past the connection (whatever the recipients' fates).
    Delivered,
    /// The hop failed at connection level and now waits.
    Held,
    /// What was claimed could not be sent (its bodies are lost) and was
    /// failed: the hop was not tried, so the mode stays as it was.
    NothingSent,
}

async fn round(engine: &Arc<Engine>, next_hop: &str, mode: Mode) -> Result<Round> {
    let live = engine.live();
    let queue = &live.settings.queue;
    let max = if mode == Mode::Probe {
        1
    } else {
        queue.max_messages_per_connection.max(1)
    };
    let now = engine.clock.now();
    let claimed = engine
        .store
        .claim(next_hop, now, &engine.node_name, queue.lease, max)
        .await?;
    let claims: Vec<(MessageId, u32)> = claimed
        .iter()
        .flat_map(|m| m.recipients.iter().map(move |r| (m.id, r.index)))
        .collect();
    let delivered = deliver_claimed(engine, &live, next_hop, claimed).await;
    if delivered.is_err() && !claims.is_empty() {
        give_back(engine, claims).await;
    }
    delivered
}

/// Attempts to make while the store cannot be reached, and the longest
/// wait between two.
const RECORD_ATTEMPTS: u32 = 12;
const MAX_RECORD_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Records a round's outcomes. The next hop has answered, so the outcomes
/// are facts: while the store cannot be reached (a shared database
/// restarting), they are tried again for a minute or so rather than given
/// up, since giving the claims back would send delivered mail again.
async fn record_outcomes(
    engine: &Engine,
    updates: Vec<mailflow_store::RecipientUpdate>,
    events: Vec<mailflow_core::Event>,
) -> Result<()> {
    let mut wait = std::time::Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        match engine.store.record(updates.clone(), events.clone()).await {
            Err(mailflow_store::StoreError::Database(error))
                if error.failure() == mailflow_store::DatabaseFailure::Unreachable
                    && attempt < RECORD_ATTEMPTS =>
            {
                tracing::warn!(%error, attempt, "the store cannot be reached; recording the round's outcomes again shortly");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(MAX_RECORD_WAIT);
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// After a round that failed without recording every outcome (the store
/// failed): what it still holds goes back to the queue, a little later, so
/// that nothing waits in flight for a lease that only a restart would end.
async fn give_back(engine: &Engine, claims: Vec<(MessageId, u32)>) {
    let now = engine.clock.now();
    let retry_at = now + GIVE_BACK_WAIT;
    let node = &engine.node_name;
    match engine
        .store
        .release_claims(node, claims, now, retry_at)
        .await
    {
        Ok(0) => {}
        Ok(count) => tracing::warn!(
            count,
            "recipients of a failed delivery round are back in the queue"
        ),
        Err(error) => {
            tracing::error!(%error, "could not give back the recipients of a failed delivery round; a restart queues them again")
        }
    }
}

async fn deliver_claimed(
    engine: &Arc<Engine>,
    live: &Live,
    next_hop: &str,
    mut claimed: Vec<ClaimedMessage>,
) -> Result<Round> {
    data_drops::last_if_dropped_before(&mut claimed);
    let claimed_any = !claimed.is_empty();
    let ids: Vec<_> = claimed.iter().map(|message| message.id).collect();
    let mut bodies = engine.store.stored_bodies(&ids).await?;
    lost_bodies::fail_lost(engine, next_hop, &mut claimed, &bodies).await?;
    let Some(route) = claimed
        .first()
        .and_then(|m| m.recipients.first())
        .map(|r| r.route.clone())
    else {
        return Ok(match claimed_any {
            true => Round::NothingSent,
            false => Round::Empty,
        });
    };
    let hold = engine.store.next_hop_hold(next_hop).await?;
    let (org, _) = Route::split_next_hop(next_hop);
    let plan = match plan_for(&engine.org_named(org), &route) {
        Ok(plan) => plan,
        Err(diagnosis) => {
            hold_unusable_hop(engine, next_hop, &claimed, hold, *diagnosis).await?;
            return Ok(Round::Held);
        }
    };
    let outbound = load_outbound(&claimed, &mut bodies)?;
    let hop_failures = hold.as_ref().map_or(0, |h| h.failures);
    let hop = HopView {
        next_hop,
        connector: route.connector.as_deref(),
        hop_failures,
    };
    let (report, recorded) = early_record::deliver(engine, &plan, &outbound, &claimed, hop).await;
    let earlier_data_drops = data_drops::earlier(engine, &claimed, &report, next_hop).await?;

    let ctx = Context {
        now: engine.clock.now(),
        schedule: &live.schedule,
        next_hop,
        connector: route.connector.as_deref(),
        hop_failures,
        earlier_data_drops: &earlier_data_drops,
    };
    let mut decisions = outcome::decide(&claimed, &report, &ctx);
    decisions.leave_out(&recorded);
    record_outcomes(engine, decisions.updates, decisions.events.clone()).await?;
    crate::delivery_log::log(&decisions.events);
    crate::metrics::count_attempts(&decisions.events, &claimed, ctx.now);
    for (message_id, failed) in decisions.failures {
        notices::bounce(engine, message_id, failed).await;
    }
    match decisions.hop_hold {
        Some((until, error)) => {
            let failures = ctx.hop_failures + 1;
            tracing::warn!(next_hop, code = %error.diagnosis.code(), detail = %error.diagnosis.detail(), until = %mailflow_core::TextTime(until), "next hop failed at connection level; its queue waits");
            engine
                .store
                .hold_next_hop(NextHopHold {
                    next_hop: next_hop.to_string(),
                    until,
                    failures,
                    diagnosis: error.diagnosis,
                })
                .await?;
            Ok(Round::Held)
        }
        None => Ok(Round::Delivered),
    }
}

/// Where each body lies is looked up once per round; the bodies themselves
/// are read a piece at a time as each is sent, never held whole.
fn load_outbound(
    claimed: &[ClaimedMessage],
    bodies: &mut HashMap<MessageId, StoredBody>,
) -> Result<Vec<OutboundMessage>> {
    let mut outbound = Vec::with_capacity(claimed.len());
    for message in claimed {
        // `lost_bodies` took out the messages without one.
        let body = bodies.remove(&message.id).ok_or_else(|| {
            StoreError::Corrupt(format!("message {} has no body in the store", message.id))
        })?;
        outbound.push(OutboundMessage {
            id: message.id,
            sender: message.sender.clone(),
            dsn: message.dsn.clone(),
            recipients: message
                .recipients
                .iter()
                .map(|r| OutboundRecipient {
                    address: r.address.clone(),
                    dsn: r.dsn.clone(),
                })
                .collect(),
            body: MessageBody::new(Arc::new(QueuedBody(body))),
        });
    }
    Ok(outbound)
}

/// The hop's connector is gone or disabled: the claimed recipients go back
/// to waiting (no attempt was made) and the hop is held like a failing one,
/// so that the scheduler does not spin on it.
async fn hold_unusable_hop(
    engine: &Engine,
    next_hop: &str,
    claimed: &[ClaimedMessage],
    hold: Option<NextHopHold>,
    diagnosis: Diagnosis,
) -> Result<()> {
    let now = engine.clock.now();
    let failures = hold.map_or(0, |h| h.failures) + 1;
    let until = now + engine.live().schedule.wait(failures);
    let updates = claimed
        .iter()
        .flat_map(|m| m.recipients.iter().map(move |r| (m.id, r.index)))
        .map(|(message_id, index)| RecipientUpdate {
            message_id,
            index,
            state: RecipientState::Deferred,
            attempts_added: 0,
            next_attempt_at: Some(until),
            last_error: Some(LastError {
                diagnosis: diagnosis.clone(),
                server: None,
                at: now,
            }),
            delivered_reply: None,
            at: now,
        })
        .collect();
    engine.store.record(updates, Vec::new()).await?;
    engine
        .store
        .hold_next_hop(NextHopHold {
            next_hop: next_hop.to_string(),
            until,
            failures,
            diagnosis,
        })
        .await
}
