//! The history sampler: once a minute, one bucket per connector with the
//! mail waiting then and the failures of that minute by code, so that the
//! console can draw queue depth and failures over time. It also applies
//! retention to the event log, the finished messages and the history once
//! an hour.
//!
//! The sampler reads the injected clock and sleeps with
//! `Clock::sleep_until`, so tests drive it by moving a `ManualClock`.

use mailflow_core::Clock;
use mailflow_store::{HistoryBucket, Result, SharedStore, Store};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct HistorySettings {
    /// Events (the trace) older than this are deleted, and the messages
    /// whose recipients all finished before it.
    pub event_retention: std::time::Duration,
    /// History buckets older than this are deleted.
    pub history_retention: std::time::Duration,
}

impl Default for HistorySettings {
    fn default() -> Self {
        HistorySettings {
            event_retention: std::time::Duration::from_secs(30 * 24 * 3600),
            history_retention: std::time::Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Samples every minute until `shutdown`, with the default retention.
pub async fn run_history(
    store: SharedStore,
    clock: Arc<dyn Clock>,
    org: String,
    node: String,
    shutdown: CancellationToken,
) {
    let settings = HistorySettings::default();
    run_history_with(store, clock, org, node, settings, shutdown).await
}

/// Samples every minute until `shutdown`, for every organisation with
/// saved settings and `org` (the node's own) even before it has any. On a
/// store that nodes share, one node of the cluster (`node`, while it holds
/// the lease) samples and prunes each minute.
pub async fn run_history_with(
    store: SharedStore,
    clock: Arc<dyn Clock>,
    org: String,
    node: String,
    settings: HistorySettings,
    shutdown: CancellationToken,
) {
    let mut next = start_of_minute(clock.now()) + Duration::MINUTE;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = clock.sleep_until(next) => {}
        }
        let minute = next - Duration::MINUTE;
        match store.leads("history", &node, clock.now()).await {
            Ok(true) => {
                sample_each(store.as_ref(), &org, minute).await;
                if next.minute() == 0 {
                    prune(store.as_ref(), next, &settings).await;
                }
            }
            // Another node of the cluster samples this minute.
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "could not tell which node samples the history"),
        }
        // After a jump of the clock, the minutes jumped over are not sampled.
        next = (next + Duration::MINUTE).max(start_of_minute(clock.now()) + Duration::MINUTE);
    }
}

/// Samples the minute for each organisation: an error in one leaves the
/// others sampled.
async fn sample_each(store: &dyn Store, own: &str, minute: OffsetDateTime) {
    let mut names = match store.org_names().await {
        Ok(names) => names,
        Err(error) => {
            tracing::warn!(%error, "could not list the organisations to sample");
            Vec::new()
        }
    };
    if !names.iter().any(|name| name == own) {
        names.push(own.to_string());
    }
    for org in names {
        if let Err(error) = sample_minute(store, &org, minute).await {
            tracing::warn!(%error, %org, "could not write the insight history");
        }
    }
}

/// Writes the buckets of the minute starting at `minute`: every configured
/// connector, any other with mail waiting, and MX routing. Waiting mail is
/// counted as it is now (at the end of the minute).
pub async fn sample_minute(
    store: &dyn Store,
    org: &str,
    minute: OffsetDateTime,
) -> Result<Vec<HistoryBucket>> {
    let settings = store.org_settings(org).await?.unwrap_or_default();
    let stats = store.queue_stats(org).await?;
    let mut names: Vec<Option<String>> = settings
        .connectors
        .iter()
        .map(|c| Some(c.name.clone()))
        .collect();
    for stat in &stats {
        if !names.contains(&stat.connector) {
            names.push(stat.connector.clone());
        }
    }
    if !names.contains(&None) {
        names.push(None);
    }
    let mut buckets = Vec::with_capacity(names.len());
    for name in names {
        let queued = stats
            .iter()
            .find(|s| s.connector == name)
            .map_or(0, |s| s.queued);
        let outcomes = store
            .delivery_stats(org, name.as_deref(), minute, minute + Duration::MINUTE)
            .await?;
        buckets.push(HistoryBucket {
            org: org.to_string(),
            connector: name,
            minute,
            queued,
            failures: outcomes.failures_by_code,
        });
    }
    store.save_history(buckets.clone()).await?;
    Ok(buckets)
}

async fn prune(store: &dyn Store, now: OffsetDateTime, settings: &HistorySettings) {
    match store.prune_events(now - settings.event_retention).await {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "old events deleted"),
        Err(error) => tracing::warn!(%error, "could not delete old events"),
    }
    // A finished message goes with its trace: kept as long as the events.
    match store.prune_messages(now - settings.event_retention).await {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "old finished messages deleted"),
        Err(error) => tracing::warn!(%error, "could not delete old finished messages"),
    }
    if let Err(error) = store.prune_history(now - settings.history_retention).await {
        tracing::warn!(%error, "could not delete old insight history");
    }
}

fn start_of_minute(at: OffsetDateTime) -> OffsetDateTime {
    let seconds = at.unix_timestamp();
    let floor = seconds - seconds.rem_euclid(60);
    OffsetDateTime::from_unix_timestamp(floor).expect("a minute within range")
}
