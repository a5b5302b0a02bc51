//! The scheduler: one loop per node that finds what is due — next hops with
//! recipients to deliver, expired messages, delay notices, reports left
//! owed — starts hop workers for it, and then sleeps until the store's next
//! due time or until something wakes it. Between retry times it does
//! nothing at all. While the node drains it starts nothing, and once its
//! last worker has stopped it gives back what the node holds (see
//! `availability`).

use crate::engine::Engine;
use crate::hop_worker::{self, Mode};
use crate::notices;
use crate::owed_reports;
use mailflow_core::Route;
use mailflow_store::{DueNextHop, NodeState};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long to wait before looking again when the store failed, or when work
/// is due but every worker slot for it is busy (a worker finishing wakes the
/// loop sooner).
const RECHECK: Duration = Duration::from_secs(5);
/// The shortest time between two passes. Under load every accepted batch
/// and every finished worker wakes the loop (hundreds of times a second);
/// one look per interval sees the same work, and busy hop workers claim
/// new mail themselves without waiting for a pass.
const MIN_GAP: Duration = Duration::from_millis(10);
/// Expiry, delay notices and owed reports run on one node of a cluster
/// at a time: two would each bounce an expired message.
const HOUSEKEEPING: &str = "housekeeping";
/// On a shared store, the longest the scheduler goes without looking:
/// other nodes' notices can be missed, and the node leading the
/// housekeeping can die.
const SHARED_RECHECK: Duration = Duration::from_secs(20);
/// How long in-flight deliveries may take to finish on shutdown; those still
/// running then are stopped and their recipients go back to the queue.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub(crate) async fn run(engine: Arc<Engine>, shutdown: CancellationToken) {
    give_back_held(&engine, "recipients left in flight by an earlier run").await;
    let mut state = engine.availability.watch();
    let mut workers = Workers::default();
    let mut housekeeping = Housekeeping::default();
    let mut last_pass: Option<tokio::time::Instant> = None;
    loop {
        if let Some(last) = last_pass {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep_until(last + MIN_GAP) => {}
            }
        }
        last_pass = Some(tokio::time::Instant::now());
        let taking_work = *state.borrow_and_update() == NodeState::Running;
        let wait = if taking_work {
            match tick(&engine, &mut workers, &mut housekeeping).await {
                Ok(wait) => wait,
                Err(error) => {
                    tracing::error!(%error, "the scheduler could not read the queue");
                    Wait::Recheck
                }
            }
        } else {
            finish_draining(&engine, &workers).await;
            Wait::Forever
        };
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = engine.wake.notified() => {}
            // Drained or resumed: look again at once.
            _ = state.changed() => {}
            Some(done) = workers.tasks.join_next(), if !workers.tasks.is_empty() => workers.finished(done),
            _ = sleep(&engine, wait) => housekeeping.timer_fired(),
        }
    }
    workers.drain(SHUTDOWN_GRACE).await;
    // Whatever was stopped mid-delivery is queued again, so the next start
    // (or another node) takes it up at once.
    give_back_held(&engine, "recipients of deliveries stopped by the shutdown").await;
}

/// A draining node whose last delivery has ended gives back what it still
/// holds (claims a failed round could not give back) and is drained.
async fn finish_draining(engine: &Engine, workers: &Workers) {
    if engine.availability.state() != NodeState::Draining || !workers.tasks.is_empty() {
        return;
    }
    give_back_held(engine, "recipients still held by the draining node").await;
    tracing::info!("drained: nothing in flight, taking no work until resumed");
    engine.availability.drained();
}

/// Recipients in flight under this node's name while none of its
/// deliveries runs go back to the queue, due now, for this node or another
/// to take up.
async fn give_back_held(engine: &Engine, what: &str) {
    let now = engine.clock.now();
    match engine.store.recover_in_flight(&engine.node_name, now).await {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "{what} are back in the queue"),
        Err(error) => tracing::error!(%error, "could not put {what} back in the queue"),
    }
}

enum Wait {
    Until(time::OffsetDateTime),
    Recheck,
    Forever,
}

async fn sleep(engine: &Engine, wait: Wait) {
    match wait {
        Wait::Until(at) => engine.clock.sleep_until(at).await,
        Wait::Recheck => tokio::time::sleep(RECHECK).await,
        Wait::Forever => std::future::pending().await,
    }
}

/// When to look for expired messages, delay notices and owed reports.
/// Their times come from the store's next wake-up, so a pass woken by the
/// timer looks; a pass woken by new mail or a finished worker (many a
/// second under load) looks only when a second has gone by since the last
/// look, which keeps those queries off the busy path. The earliest expiry
/// and owed report are read at each look and kept until the next: mail
/// accepted or failed in between is due later, and one that has gone only
/// makes the timer fire early.
#[derive(Default)]
struct Housekeeping {
    last: Option<time::OffsetDateTime>,
    timer_fired: bool,
    next_expiry: Option<time::OffsetDateTime>,
    /// When a report left owed is to be sent (see `owed_reports`).
    next_owed_report: Option<time::OffsetDateTime>,
}

impl Housekeeping {
    const INTERVAL: time::Duration = time::Duration::SECOND;

    fn timer_fired(&mut self) {
        self.timer_fired = true;
    }

    /// Whether this pass looks; if so, it counts as the last look.
    fn take(&mut self, now: time::OffsetDateTime) -> bool {
        let due = self.timer_fired || self.last.is_none_or(|last| now - last >= Self::INTERVAL);
        if due {
            self.last = Some(now);
            self.timer_fired = false;
        }
        due
    }
}

/// One pass: notices and expiry (see `Housekeeping`), then workers for the
/// due next hops.
async fn tick(
    engine: &Arc<Engine>,
    workers: &mut Workers,
    housekeeping: &mut Housekeeping,
) -> mailflow_store::Result<Wait> {
    let now = engine.clock.now();
    if housekeeping.take(now)
        && engine
            .store
            .leads(HOUSEKEEPING, &engine.node_name, now)
            .await?
    {
        take_over_expired_leases(engine, now).await?;
        notices::expire_due(engine, now).await?;
        notices::send_delay_notices(engine, now).await?;
        owed_reports::send_owed_reports(engine, now).await?;
        housekeeping.next_expiry = engine.store.next_expiry().await?;
        housekeeping.next_owed_report = owed_reports::next_owed_report(engine).await?;
    }
    let schedule = engine.store.schedule(now, due_count_cap(engine)).await?;
    for hop in schedule.due {
        workers.start_for(engine, hop);
    }
    let next = [
        schedule.next_attempt,
        housekeeping.next_expiry,
        housekeeping.next_owed_report,
    ]
    .into_iter()
    .flatten()
    .min();
    Ok(match next {
        Some(at) if at > now => Wait::Until(at),
        // Due now but every slot is taken: a finishing worker wakes us.
        Some(_) => Wait::Recheck,
        // Another node may queue work or stop leading the housekeeping.
        None if engine.store.changes().is_some() => Wait::Until(now + SHARED_RECHECK),
        None => Wait::Forever,
    })
}

/// On a shared store, the work of a node that died (its leases ran out)
/// goes back to the queue for any node to deliver.
async fn take_over_expired_leases(
    engine: &Engine,
    now: time::OffsetDateTime,
) -> mailflow_store::Result<()> {
    if engine.store.changes().is_none() {
        return Ok(());
    }
    let recovered = engine.store.recover_expired_leases(now).await?;
    if recovered > 0 {
        tracing::warn!(
            recovered,
            "recipients of a node that stopped mid-delivery are queued again"
        );
        engine.wake.notify_one();
    }
    Ok(())
}

/// The running hop workers, at most a connector's `max_connections` per hop.
#[derive(Default)]
struct Workers {
    tasks: JoinSet<String>,
    active: HashMap<String, usize>,
}

impl Workers {
    fn start_for(&mut self, engine: &Arc<Engine>, due: DueNextHop) {
        let active = self.active.get(&due.next_hop).copied().unwrap_or(0);
        let wanted = match &due.hold {
            // A hop on hold is probed by one connection, and only one.
            Some(_) if active > 0 => 0,
            Some(_) => 1,
            None => {
                let per_connection = engine
                    .live()
                    .settings
                    .queue
                    .max_messages_per_connection
                    .max(1) as u64;
                let needed = due.due_recipients.div_ceil(per_connection) as usize;
                needed
                    .min(connection_limit(engine, &due.next_hop))
                    .saturating_sub(active)
            }
        };
        for _ in 0..wanted {
            let mode = if due.hold.is_some() {
                Mode::Probe
            } else {
                Mode::Drain
            };
            let engine = engine.clone();
            let hop = due.next_hop.clone();
            self.tasks.spawn(async move {
                hop_worker::run(&engine, &hop, mode).await;
                hop
            });
        }
        *self.active.entry(due.next_hop).or_default() += wanted;
    }

    fn finished(&mut self, done: Result<String, tokio::task::JoinError>) {
        match done {
            Ok(hop) => {
                if let Some(count) = self.active.get_mut(&hop) {
                    *count = count.saturating_sub(1);
                    if *count == 0 {
                        self.active.remove(&hop);
                    }
                }
            }
            Err(error) => tracing::error!(%error, "a delivery worker failed"),
        }
    }

    async fn drain(mut self, grace: Duration) {
        let all_done = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, all_done).await.is_err() {
            tracing::warn!(
                "deliveries still running at shutdown go back to the queue at the next start"
            );
        }
    }
}

/// How many due recipients of a next hop are worth counting: enough to fill
/// every connection any next hop may have (the workers started depend on
/// no more), so that a tick never counts a whole backlog.
fn due_count_cap(engine: &Engine) -> u64 {
    let per_connection = engine
        .live()
        .settings
        .queue
        .max_messages_per_connection
        .max(1);
    let orgs = engine.orgs();
    let most_connections = orgs
        .iter()
        .flat_map(|(_, org)| org.connectors.iter())
        .map(|connector| connector.max_connections)
        .chain([engine.live().settings.queue.max_connections_per_hop, 1])
        .max()
        .unwrap_or(1);
    (per_connection as u64).saturating_mul(most_connections as u64)
}

/// Connections allowed at once to a next hop: the connector's own limit, or
/// the node's.
fn connection_limit(engine: &Engine, next_hop: &str) -> usize {
    let org = engine.org_named(Route::split_next_hop(next_hop).0);
    let connector = Route::connector_of(next_hop).and_then(|name| org.connector(name));
    let limit = match connector {
        Some(connector) if connector.max_connections > 0 => connector.max_connections,
        _ => engine.live().settings.queue.max_connections_per_hop,
    };
    limit.max(1)
}

#[cfg(test)]
mod tests {
    use super::Housekeeping;
    use time::macros::datetime;

    #[test]
    fn housekeeping_runs_first_on_the_timer_and_at_most_once_a_second_otherwise() {
        let t0 = datetime!(2030-01-01 08:00:00 UTC);
        let mut housekeeping = Housekeeping::default();
        assert!(housekeeping.take(t0), "the first pass looks");
        assert!(!housekeeping.take(t0 + time::Duration::milliseconds(400)));
        assert!(!housekeeping.take(t0 + time::Duration::milliseconds(999)));
        assert!(
            housekeeping.take(t0 + time::Duration::seconds(1)),
            "a second later, a wake-up looks again"
        );
        housekeeping.timer_fired();
        assert!(
            housekeeping.take(t0 + time::Duration::milliseconds(1100)),
            "the timer (an expiry or notice time) always looks"
        );
        assert!(!housekeeping.take(t0 + time::Duration::milliseconds(1200)));
    }
}
