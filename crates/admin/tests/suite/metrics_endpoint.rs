//! `GET /metrics` over real HTTP in front of a running node: a message to
//! an on-premises server that refuses connections waits with `4.4.316`,
//! one to a partner is delivered, and a scrape shows the per-connector
//! series with their codes, the attempts, the histograms, the sessions and
//! the store's writer, in a well-formed Prometheus text exposition. The
//! scrape answers to a token (a `read` one too), and without one only to
//! the networks it is opened to.
//!
//! The recorder is one per process (see `metrics_recorder`), and every
//! module of the admin suite runs its nodes in this one process, so each
//! test names its connectors after itself and asserts on those.

use crate::common::{Api, Http, settings};
use mailflow_admin::{AdminState, TokenDigest, router_with_metrics_networks};
use mailflow_core::{
    AcceptedDomain, Clock, ConnectorKind, DomainType, ManualClock, OrgSettings, RecipientState,
};
use mailflow_store::{AlertObservation, AlertRule, SharedStore, SqliteStore};
use mailflow_testkit::{SmtpBehavior, SmtpServer, refused_addr};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, connector, eventually};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "metrics-token-1234";

/// `down` (contoso.test) refuses connections; `up` (example.test) takes
/// everything.
fn org(down: &str, up: &str, partner: std::net::SocketAddr) -> OrgSettings {
    OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "contoso.test".into(),
            kind: DomainType::InternalRelay,
        }],
        connectors: vec![
            connector(
                down,
                ConnectorKind::OnPremises,
                &["contoso.test"],
                &[refused_addr()],
            ),
            connector(up, ConnectorKind::Partner, &["example.test"], &[partner]),
        ],
        directory: Default::default(),
    }
}

/// A node whose `down` connector has failed once and whose `up` connector
/// has delivered once, behind the API.
struct AfterAFailure {
    api: Api,
    partner: SmtpServer,
}

impl AfterAFailure {
    /// Opens a queued-count alert on `connector`, as the evaluator would.
    async fn open_alert(&self, connector: &str) {
        let observation = AlertObservation {
            org: ORG.into(),
            connector: Some(connector.into()),
            code: "4.4.316".into(),
            rule: AlertRule::QueuedCount,
            values: Default::default(),
            at: self.api.node.now(),
        };
        self.api
            .node
            .store
            .observe_alert(observation)
            .await
            .unwrap();
    }

    async fn start(down: &str, up: &str) -> AfterAFailure {
        let partner = SmtpServer::start(SmtpBehavior::new()).await;
        let node = TestNode::start(org(down, up, partner.addr()), settings()).await;
        let api = Api::start(node, TOKEN, true).await;
        let smtp = api.node.smtp;
        let waiting = submit(smtp, "alice@contoso.test").await;
        let delivered = submit(smtp, "bob@example.test").await;
        wait_for_state(&api, &waiting, RecipientState::Deferred).await;
        wait_for_state(&api, &delivered, RecipientState::Delivered).await;
        AfterAFailure { api, partner }
    }

    async fn stop(self) {
        self.api.stop().await;
        self.partner.stop();
    }
}

async fn submit(smtp: std::net::SocketAddr, to: &str) -> String {
    let data = "Subject: metrics\r\n\r\nhello\r\n";
    let (code, reply) = send(smtp, "sender@example.org", &[to], data).await;
    assert_eq!(code, 250, "{reply}");
    queue_id(&reply)
}

async fn wait_for_state(api: &Api, id: &str, state: RecipientState) {
    eventually(&format!("the recipient becomes {state}"), || async {
        api.node.message(id).await.recipients[0].state == state
    })
    .await;
}

/// `GET /metrics`: the status, the content type and the text.
async fn scrape(base: &str, token: Option<&str>) -> (u16, String, String) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut request = client.get(format!("{base}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn a_scrape_after_a_refused_connection_shows_the_connector_series_with_its_code() {
    let (down, up) = ("scrape-down", "scrape-up");
    let run = AfterAFailure::start(down, up).await;
    let (status, content_type, text) = scrape(run.api.base(), Some(TOKEN)).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    let exposition = Exposition::parse(&text);

    // The queue, read from the store: the waiting recipient under its code,
    // its age, and the healthy connector at zero rather than missing.
    let queued = exposition.value(
        "mailflow_queue_recipients",
        &[("connector", down), ("code", "4.4.316")],
    );
    assert_eq!(queued, Some(1.0), "{text}");
    let age = exposition.value("mailflow_queue_oldest_age_seconds", &[("connector", down)]);
    assert_eq!(age, Some(0.0), "the node's clock has not moved: {text}");
    let healthy = exposition.value(
        "mailflow_queue_recipients",
        &[("connector", up), ("code", "none")],
    );
    assert_eq!(healthy, Some(0.0), "{text}");

    // The attempts, counted as they happened.
    let deferred = exposition.value(
        "mailflow_delivery_attempts_total",
        &[
            ("connector", down),
            ("outcome", "deferred"),
            ("code", "4.4.316"),
        ],
    );
    assert!(deferred.is_some_and(|n| n >= 1.0), "{text}");
    let delivered = exposition.value(
        "mailflow_delivery_attempts_total",
        &[
            ("connector", up),
            ("outcome", "delivered"),
            ("code", "none"),
        ],
    );
    assert_eq!(delivered, Some(1.0), "{text}");
    assert_eq!(
        exposition.kind("mailflow_delivery_attempts_total"),
        Some("counter")
    );

    // The histograms: the delivery of the partner's message, the 250s, the
    // store's commits; each with its buckets up to +Inf.
    let count = exposition.value(
        "mailflow_delivery_duration_seconds_count",
        &[("connector", up)],
    );
    assert_eq!(count, Some(1.0), "{text}");
    let inf = exposition.value(
        "mailflow_delivery_duration_seconds_bucket",
        &[("connector", up), ("le", "+Inf")],
    );
    assert_eq!(inf, Some(1.0), "{text}");
    for histogram in [
        "mailflow_delivery_duration_seconds",
        "mailflow_smtp_acceptance_latency_seconds",
        "mailflow_store_commit_duration_seconds",
    ] {
        assert_eq!(exposition.kind(histogram), Some("histogram"), "{histogram}");
    }
    let accepted = exposition.value("mailflow_smtp_acceptance_latency_seconds_count", &[]);
    assert!(accepted.is_some_and(|n| n >= 2.0), "{text}");
    let commits = exposition.value("mailflow_store_commit_duration_seconds_count", &[]);
    assert!(commits.is_some_and(|n| n >= 1.0), "{text}");

    // The gauges of the listener and the writer.
    assert_eq!(
        exposition.kind("mailflow_smtp_sessions_open"),
        Some("gauge")
    );
    assert!(
        exposition
            .value("mailflow_smtp_sessions_open", &[])
            .is_some()
    );
    assert_eq!(
        exposition.kind("mailflow_store_writer_queue_length"),
        Some("gauge")
    );
    assert!(
        exposition
            .value("mailflow_store_writer_queue_length", &[])
            .is_some()
    );

    // The age follows the node's clock.
    run.api.node.advance(Duration::from_secs(90));
    let (_, _, text) = scrape(run.api.base(), Some(TOKEN)).await;
    let age =
        Exposition::parse(&text).value("mailflow_queue_oldest_age_seconds", &[("connector", down)]);
    assert_eq!(age, Some(90.0), "{text}");
    run.stop().await;
}

#[tokio::test]
async fn an_open_alert_is_counted_by_connector_and_rule() {
    let (down, up) = ("alert-down", "alert-up");
    let run = AfterAFailure::start(down, up).await;
    let (_, _, text) = scrape(run.api.base(), Some(TOKEN)).await;
    assert_eq!(
        Exposition::parse(&text).kind("mailflow_alerts_open"),
        Some("gauge"),
        "described before any alert opens: {text}"
    );
    run.open_alert(down).await;
    let (_, _, text) = scrape(run.api.base(), Some(TOKEN)).await;
    let open = Exposition::parse(&text).value(
        "mailflow_alerts_open",
        &[("connector", down), ("rule", "queued_count")],
    );
    assert_eq!(open, Some(1.0), "{text}");
    run.stop().await;
}

#[tokio::test]
async fn a_scrape_without_a_token_is_refused_and_a_read_token_is_enough() {
    let (down, up) = ("token-down", "token-up");
    let run = AfterAFailure::start(down, up).await;
    for token in [None, Some("a-wrong-token")] {
        let (status, _, body) = scrape(run.api.base(), token).await;
        assert_eq!(status, 401, "{token:?}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["kind"], "unauthorized");
    }
    let new = json!({ "name": "prometheus", "scope": "read" });
    let (status, created) = run
        .api
        .send(reqwest::Method::POST, "/api/v1/tokens", Some(&new))
        .await;
    assert_eq!(status, 201, "{created}");
    let read_token = created["token"].as_str().unwrap();
    let (status, _, text) = scrape(run.api.base(), Some(read_token)).await;
    assert_eq!(status, 200, "{text}");
    let exposition = Exposition::parse(&text);
    let queued = exposition.value(
        "mailflow_queue_recipients",
        &[("connector", down), ("code", "4.4.316")],
    );
    assert_eq!(queued, Some(1.0), "{text}");
    run.stop().await;
}

/// The API on a fresh store, with `/metrics` open to `networks`.
async fn serve_open_to(dir: &tempfile::TempDir, networks: &[&str]) -> Http {
    let store: SharedStore = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::starting_now());
    let state = AdminState {
        store,
        token_digests: vec![TokenDigest::of(TOKEN)],
        clock,
        node: Default::default(),
        own_org: None,
    };
    let networks = networks.iter().map(|n| n.parse().unwrap()).collect();
    Http::serve_router(router_with_metrics_networks(state, networks)).await
}

#[tokio::test]
async fn metrics_open_without_a_token_to_the_configured_network_and_nothing_else_does() {
    let dir = tempfile::tempdir().unwrap();
    let http = serve_open_to(&dir, &["127.0.0.1/32"]).await;
    let (status, content_type, text) = scrape(http.base(), None).await;
    assert_eq!(status, 200, "{text}");
    assert!(content_type.starts_with("text/plain; version=0.0.4"));
    Exposition::parse(&text);
    // Every other path still asks for a token from that network.
    let (status, body) = http.call(false, "/api/v1/messages", None).await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = http.call(false, "/metrics/", None).await;
    assert_eq!(status, 401, "{body}");
    http.stop().await;

    let dir = tempfile::tempdir().unwrap();
    let http = serve_open_to(&dir, &["10.9.0.0/16", "::1/128"]).await;
    let (status, _, body) = scrape(http.base(), None).await;
    assert_eq!(status, 401, "a client outside the networks: {body}");
    let (status, _, text) = scrape(http.base(), Some(TOKEN)).await;
    assert_eq!(status, 200, "a token opens it all the same: {text}");
    http.stop().await;
}

#[tokio::test]
async fn every_metric_the_grafana_dashboard_queries_is_one_mailflow_exports() {
    let (down, up) = ("grafana-down", "grafana-up");
    let run = AfterAFailure::start(down, up).await;
    run.open_alert(down).await;
    let (_, _, text) = scrape(run.api.base(), Some(TOKEN)).await;
    let exported = Exposition::parse(&text).series_names();

    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/grafana-mailflow.json"
    );
    let json = std::fs::read_to_string(path).unwrap();
    let dashboard: Value = serde_json::from_str(&json).unwrap();
    let mut queries = Vec::new();
    collect_exprs(&dashboard, &mut queries);
    assert!(queries.len() >= 10, "the dashboard's queries: {queries:?}");
    // Every name anywhere in it: the panels' queries and the variables'.
    let used: BTreeSet<String> = metric_names(&json).into_iter().collect();
    assert!(used.len() >= 10, "names the dashboard uses: {used:?}");
    let unknown: Vec<_> = used
        .iter()
        .filter(|name| !exported.contains(*name))
        .collect();
    assert!(
        unknown.is_empty(),
        "the dashboard queries {unknown:?}, which mailflow does not export:\n{text}"
    );
    run.stop().await;
}

/// Every `expr` of the dashboard's panels' targets.
fn collect_exprs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("expr", Value::String(expr)) => out.push(expr.clone()),
                    _ => collect_exprs(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_exprs(item, out)),
        _ => {}
    }
}

/// The `mailflow_…` names in a text: the series a query reads.
fn metric_names(query: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = query;
    while let Some(start) = rest.find("mailflow_") {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        names.push(tail[..end].to_string());
        rest = &tail[end..];
    }
    names
}

/// A Prometheus text exposition, checked line by line as it is read: each
/// family is named by `# HELP` and `# TYPE` once, before its samples; a
/// sample is a valid name, well-formed labels with quoted and escaped
/// values, and a number.
struct Exposition {
    kinds: BTreeMap<String, String>,
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
}

impl Exposition {
    fn parse(text: &str) -> Exposition {
        let mut kinds = BTreeMap::new();
        let mut helped = BTreeSet::new();
        let mut samples = Vec::new();
        for line in text.lines().filter(|line| !line.is_empty()) {
            if let Some(help) = line.strip_prefix("# HELP ") {
                let name = help.split(' ').next().unwrap();
                assert!(valid_name(name), "{line}");
                assert!(helped.insert(name.to_string()), "HELP twice: {line}");
                continue;
            }
            if let Some(kind) = line.strip_prefix("# TYPE ") {
                let (name, kind) = kind.split_once(' ').expect(line);
                assert!(valid_name(name), "{line}");
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                    "{line}"
                );
                let earlier = kinds.insert(name.to_string(), kind.to_string());
                assert!(earlier.is_none(), "TYPE twice: {line}");
                continue;
            }
            assert!(!line.starts_with('#'), "an unknown comment: {line}");
            let (name, labels, value) = sample(line);
            let family = family_of(&name, &kinds);
            assert!(family.is_some(), "a sample before its TYPE: {line}");
            samples.push((name, labels, value));
        }
        Exposition { kinds, samples }
    }

    fn kind(&self, family: &str) -> Option<&str> {
        self.kinds.get(family).map(String::as_str)
    }

    /// The value of the series `name` whose labels are exactly `labels`.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .iter()
            .find(|(n, l, _)| n == name && *l == wanted)
            .map(|(_, _, value)| *value)
    }

    /// The families and the sample names.
    fn series_names(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.kinds.keys().cloned().collect();
        names.extend(self.samples.iter().map(|(name, _, _)| name.clone()));
        names
    }
}

/// The family a sample belongs to: its own name, or a histogram's or a
/// summary's with the suffix taken off.
fn family_of<'a>(name: &'a str, kinds: &BTreeMap<String, String>) -> Option<&'a str> {
    if kinds.contains_key(name) {
        return Some(name);
    }
    ["_bucket", "_sum", "_count"]
        .iter()
        .filter_map(|suffix| name.strip_suffix(suffix))
        .find(|family| kinds.contains_key(*family))
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `name{label="value",…} number`, unescaping the values.
fn sample(line: &str) -> (String, BTreeMap<String, String>, f64) {
    let name_end = line.find(['{', ' ']).expect(line);
    let name = &line[..name_end];
    assert!(valid_name(name), "{line}");
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices().peekable();
        loop {
            let (start, _) = *chars.peek().expect(line);
            let eq = inner[start..].find('=').expect(line) + start;
            let label = &inner[start..eq];
            assert!(valid_name(label), "label {label:?} in {line}");
            while chars.peek().is_some_and(|(i, _)| *i <= eq) {
                chars.next();
            }
            assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line}");
            let mut value = String::new();
            loop {
                match chars.next().expect(line).1 {
                    '"' => break,
                    '\\' => match chars.next().expect(line).1 {
                        'n' => value.push('\n'),
                        c @ ('\\' | '"') => value.push(c),
                        c => panic!("escape \\{c} in {line}"),
                    },
                    '\n' => panic!("a raw line feed in {line}"),
                    c => value.push(c),
                }
            }
            assert!(labels.insert(label.to_string(), value).is_none(), "{line}");
            match chars.next().expect(line) {
                (_, ',') if chars.peek().is_some_and(|(_, c)| *c == '}') => {
                    let (end, _) = chars.next().unwrap();
                    rest = &inner[end + 1..];
                    break;
                }
                (_, ',') => continue,
                (end, '}') => {
                    rest = &inner[end + 1..];
                    break;
                }
                (_, c) => panic!("{c:?} after a label value in {line}"),
            }
        }
    }
    let value = rest.strip_prefix(' ').expect(line);
    let value = value.split(' ').next().unwrap();
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        number => number.parse().unwrap_or_else(|_| panic!("{line}")),
    };
    (name.to_string(), labels, value)
}
