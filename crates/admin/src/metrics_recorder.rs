//! The process's metrics recorder: where the relay, the SMTP listener and
//! the store count what happens (through the `metrics` facade), rendered in
//! the Prometheus format by `/metrics`.
//!
//! It is one recorder for the whole process, installed once. A node is
//! one process, so in production it holds exactly that node's series.
//! Tests run many nodes in one process: their counters and histograms add
//! up in the same series, so a test asserts on series labelled with its own
//! connector names (unique to it), and only on the presence of the series
//! without a connector label (sessions, acceptance latency, the store's
//! writer). Keeping a recorder per node instead would mean carrying a
//! handle to every place that counts, for the sake of tests alone. The
//! series that describe the queue are not counted here at all: `/metrics`
//! reads them from its own node's store at each scrape (see `metrics`).

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Histogram buckets (upper bounds, in seconds) per histogram: an SMTP
/// `250` and a store commit take milliseconds; a delivery from acceptance
/// takes from under a second to the queue's expiry (days).
fn buckets() -> [(&'static str, &'static [f64]); 3] {
    const SHORT: &[f64] = &[
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ];
    const DELIVERY: &[f64] = &[
        0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0, 86400.0,
        432000.0,
    ];
    [
        (mailflow_receive::metrics::ACCEPTANCE_LATENCY_SECONDS, SHORT),
        (mailflow_store::metrics::COMMIT_DURATION_SECONDS, SHORT),
        (mailflow_relay::metrics::DELIVERY_DURATION_SECONDS, DELIVERY),
    ]
}

/// The recorder's handle, installing the recorder on the first call. Call
/// it before the node starts, or what happens until then is not counted.
pub fn metrics_recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let mut builder = PrometheusBuilder::new();
        for (name, bounds) in buckets() {
            builder = builder
                .set_buckets_for_metric(Matcher::Full(name.to_string()), bounds)
                .expect("the buckets are not empty");
        }
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if let Err(error) = metrics::set_global_recorder(recorder) {
            // Another recorder is in place (an embedding program's): the
            // series are counted there, not rendered here.
            tracing::warn!(%error, "a metrics recorder was installed already; /metrics shows only the queue");
        }
        mailflow_relay::metrics::describe();
        mailflow_receive::metrics::describe();
        mailflow_store::metrics::describe();
        handle
    })
}

/// How often the recorder folds recorded samples into its histograms; it
/// also does so at each scrape. Without it a node never scraped would
/// keep every sample.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Folds the recorder's samples every `UPKEEP_EVERY` until `stop`.
pub(crate) async fn upkeep(stop: CancellationToken) {
    let handle = metrics_recorder();
    let mut every = tokio::time::interval(UPKEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = every.tick() => handle.run_upkeep(),
        }
    }
}
