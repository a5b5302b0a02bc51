//! The alert loops of a running node: the evaluator wakes every
//! `EVALUATE_EVERY` of the injected clock (so an alert opens at most that
//! long after its rule is crossed), and the outbox sender wakes when the
//! evaluator queued something or a retry falls due. Both stop on `stop`.

use crate::{AlertContext, evaluate, send_due};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

/// How often the rules are evaluated: alerts open within this of the
/// moment a rule is crossed (SPEC: within 5 seconds).
pub const EVALUATE_EVERY: Duration = Duration::from_secs(4);

/// Runs the evaluator and the outbox sender until `stop` is cancelled.
pub async fn run(ctx: AlertContext, stop: CancellationToken) {
    let (evaluated, _) = watch::channel(ctx.clock.now());
    run_observed(ctx, stop, evaluated).await;
}

/// As `run`, and tells `evaluated` the clock time of every evaluation once
/// it has finished (for tests and health checks).
pub async fn run_observed(
    ctx: AlertContext,
    stop: CancellationToken,
    evaluated: watch::Sender<OffsetDateTime>,
) {
    let queued = Arc::new(Notify::new());
    tokio::join!(
        evaluator(&ctx, &stop, &queued, &evaluated),
        sender(&ctx, &stop, &queued)
    );
}

async fn evaluator(
    ctx: &AlertContext,
    stop: &CancellationToken,
    queued: &Notify,
    evaluated: &watch::Sender<OffsetDateTime>,
) {
    loop {
        let at = ctx.clock.now();
        let outcome = match leads(ctx, at).await {
            Ok(true) => evaluate(ctx).await,
            // Another node of the cluster evaluates.
            Ok(false) => Ok(Vec::new()),
            Err(error) => Err(error),
        };
        evaluated.send_replace(at);
        match outcome {
            Ok(changes) if !changes.is_empty() => queued.notify_one(),
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "alert evaluation failed"),
        }
        let next = ctx.clock.now() + EVALUATE_EVERY;
        tokio::select! {
            () = stop.cancelled() => return,
            () = ctx.clock.sleep_until(next) => {}
        }
    }
}

/// Evaluation and sending run on one node of a cluster at a time.
async fn leads(ctx: &AlertContext, now: OffsetDateTime) -> mailflow_store::Result<bool> {
    ctx.store.leads("alerts", &ctx.node, now).await
}

async fn sender(ctx: &AlertContext, stop: &CancellationToken, queued: &Notify) {
    loop {
        let sent = match leads(ctx, ctx.clock.now()).await {
            Ok(true) => send_due(ctx).await,
            Ok(false) => Ok(Default::default()),
            Err(error) => Err(error),
        };
        if let Err(error) = sent {
            tracing::error!(%error, "sending alert notifications failed");
        }
        let mut next = ctx.clock.now() + EVALUATE_EVERY;
        match ctx.store.next_notification_at(&ctx.org).await {
            Ok(Some(due)) => next = next.min(due),
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "reading the alert outbox failed"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = queued.notified() => {}
            () = ctx.clock.sleep_until(next) => {}
        }
    }
}
