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
            Ok(true) => evaluate_each(ctx).await,
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

/// Evaluates every organisation's rules, each on its own mail: an error in
/// one leaves the others evaluated.
async fn evaluate_each(ctx: &AlertContext) -> mailflow_store::Result<Vec<crate::AlertChange>> {
    let mut changes = Vec::new();
    for org in ctx.organisations().await? {
        match evaluate(&org).await {
            Ok(more) => changes.extend(more),
            Err(error) => tracing::error!(%error, org = %org.org, "alert evaluation failed"),
        }
    }
    Ok(changes)
}

/// Sends every organisation's due notifications; the earliest of the
/// next ones due.
async fn send_each(ctx: &AlertContext) -> mailflow_store::Result<Option<OffsetDateTime>> {
    let mut next: Option<OffsetDateTime> = None;
    for org in ctx.organisations().await? {
        if let Err(error) = send_due(&org).await {
            tracing::error!(%error, org = %org.org, "sending alert notifications failed");
        }
        if let Some(due) = org.store.next_notification_at(&org.org).await? {
            next = Some(next.map_or(due, |next| next.min(due)));
        }
    }
    Ok(next)
}

/// Evaluation and sending run on one node of a cluster at a time.
async fn leads(ctx: &AlertContext, now: OffsetDateTime) -> mailflow_store::Result<bool> {
    ctx.store.leads("alerts", &ctx.node, now).await
}

async fn sender(ctx: &AlertContext, stop: &CancellationToken, queued: &Notify) {
    loop {
        let sent = match leads(ctx, ctx.clock.now()).await {
            Ok(true) => send_each(ctx).await,
            Ok(false) => Ok(None),
            Err(error) => Err(error),
        };
        let mut next = ctx.clock.now() + EVALUATE_EVERY;
        match sent {
            Ok(Some(due)) => next = next.min(due),
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "sending alert notifications failed"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = queued.notified() => {}
            () = ctx.clock.sleep_until(next) => {}
        }
    }
}
