//! `GET /metrics`: the node's metrics in the Prometheus text format, for a
//! scraper. It answers to a bearer token (a `read` token is enough), or
//! without one to a client in the networks the `[admin] metrics_networks`
//! setting opens it to (see `scraper_networks`).
//!
//! Two sources make one answer: what the relay, the SMTP listener and the
//! store counted as it happened (the process's recorder, see
//! `metrics_recorder`), and what describes the queue now, read from this
//! node's store at each scrape. The queue's series cost a scrape what an
//! insight costs, however long the queue: the per-connector and per-code
//! counts are kept by the store in a few rows (`pending_counts`), the
//! oldest arrival is one index seek per connector and code, the latest
//! error one seek per connector; open alerts are a few rows.

use crate::AdminState;
use crate::caller::AllOrganisations;
use crate::error::ApiError;
use crate::exposition::{CONTENT_TYPE, Family, Kind};
use crate::metrics_recorder::metrics_recorder;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE as CONTENT_TYPE_HEADER;
use axum::response::{IntoResponse, Response};
use mailflow_relay::metrics::{MX_CONNECTOR, NO_CODE};
use mailflow_store::{AlertStateFilter, ConnectorQueueStats};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Recipients waiting (queued, deferred, in flight or suspended), by
/// connector and the enhanced code of their last failure.
pub const QUEUE_RECIPIENTS: &str = "mailflow_queue_recipients";
/// Seconds since the oldest waiting message of a connector arrived.
pub const QUEUE_OLDEST_AGE_SECONDS: &str = "mailflow_queue_oldest_age_seconds";
/// Alerts open now, by connector and rule.
pub const ALERTS_OPEN: &str = "mailflow_alerts_open";

#[utoipa::path(get, path = "/metrics", tag = "metrics",
    responses(
        (status = 200, description = "The node's metrics in the Prometheus text format (version 0.0.4)",
            content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
        (status = 401, description = "No token, or a wrong one, from outside `admin.metrics_networks`", body = crate::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn scrape(
    State(state): State<Arc<AdminState>>,
    _every: AllOrganisations,
) -> Result<Response, ApiError> {
    let recorder = metrics_recorder();
    recorder.run_upkeep();
    let mut text = recorder.render();
    // Before the node runs (and on a store no node serves) the queue is
    // not this node's to describe yet.
    if let Ok(org) = state.org() {
        queue_series(&state, &org, &mut text).await?;
    }
    Ok(([(CONTENT_TYPE_HEADER, CONTENT_TYPE)], text).into_response())
}

/// The queue's and the alerts' series, appended to `out`.
async fn queue_series(state: &AdminState, org: &str, out: &mut String) -> Result<(), ApiError> {
    let stats = state.store.queue_stats(org).await?;
    let configured: Vec<String> = match state.node.get() {
        Some(node) => node
            .org()
            .connectors
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        None => Vec::new(),
    };
    let now = state.clock.now();

    let mut queued = Family::new(
        QUEUE_RECIPIENTS,
        Kind::Gauge,
        "Recipients waiting (queued, deferred, in flight or suspended), by connector and the enhanced code of their last failure (none: not failed yet).",
    );
    let mut oldest = Family::new(
        QUEUE_OLDEST_AGE_SECONDS,
        Kind::Gauge,
        "Seconds since the oldest waiting message of a connector arrived (0: none waits).",
    );
    for stat in &stats {
        let connector = connector_label(stat.connector.as_deref());
        for (code, count) in by_code(stat) {
            queued.sample(labels(&connector, Some(code)), count as f64);
        }
        let age = stat
            .oldest_received_at
            .map_or(0.0, |at| (now - at).as_seconds_f64().max(0.0));
        oldest.sample(labels(&connector, None), age);
    }
    // A configured connector with nothing waiting shows 0 rather than no
    // series: a graph of its queue drops to zero instead of a gap.
    let waiting: Vec<&str> = stats
        .iter()
        .filter_map(|s| s.connector.as_deref())
        .collect();
    for name in configured
        .iter()
        .filter(|name| !waiting.contains(&name.as_str()))
    {
        queued.sample(labels(name, Some(NO_CODE.into())), 0.0);
        oldest.sample(labels(name, None), 0.0);
    }
    queued.write_to(out);
    oldest.write_to(out);
    open_alerts(state, org, out).await
}

/// A connector's waiting recipients per last error code, those not tried
/// yet under `none`.
fn by_code(stat: &ConnectorQueueStats) -> Vec<(String, u64)> {
    let failed: u64 = stat.by_code.iter().map(|(_, count)| count).sum();
    let mut counts = stat.by_code.clone();
    if stat.queued > failed {
        counts.push((NO_CODE.into(), stat.queued - failed));
    }
    counts
}

async fn open_alerts(state: &AdminState, org: &str, out: &mut String) -> Result<(), ApiError> {
    let alerts = state.store.list_alerts(org, AlertStateFilter::Open).await?;
    let mut counts: BTreeMap<(String, &'static str), u64> = BTreeMap::new();
    for alert in &alerts {
        let key = (
            connector_label(alert.connector.as_deref()),
            alert.rule.as_str(),
        );
        *counts.entry(key).or_default() += 1;
    }
    let mut family = Family::new(
        ALERTS_OPEN,
        Kind::Gauge,
        "Alerts open now, by connector and rule.",
    );
    for ((connector, rule), count) in counts {
        family.sample(
            vec![("connector", connector), ("rule", rule.to_string())],
            count as f64,
        );
    }
    family.write_to(out);
    Ok(())
}

fn connector_label(connector: Option<&str>) -> String {
    connector.unwrap_or(MX_CONNECTOR).to_string()
}

fn labels(connector: &str, code: Option<String>) -> Vec<(&'static str, String)> {
    let mut labels = vec![("connector", connector.to_string())];
    if let Some(code) = code {
        labels.push(("code", code));
    }
    labels
}
