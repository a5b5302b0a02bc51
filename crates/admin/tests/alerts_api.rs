//! Alerts over real HTTP against a running node and a SQLite store:
//! listing by state, acknowledging, errors naming the field or the id, and
//! the routes in the OpenAPI document.

use mailflow_admin::{AdminState, router};
use mailflow_core::{Clock, ManualClock, OrgSettings};
use mailflow_deliver::DeliverySettings;
use mailflow_receive::ReceiveSettings;
use mailflow_relay::{Node, NodeSettings, QueueSettings, RunningNode};
use mailflow_store::{AlertObservation, AlertRule, AlertValues, SharedStore, SqliteStore};
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "alerts-token-1234";
const ORG: &str = "default";

struct Api {
    base: String,
    http: reqwest::Client,
    store: SharedStore,
    clock: Arc<ManualClock>,
    node: RunningNode,
    stop: CancellationToken,
    server: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Api {
    async fn start() -> Api {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
        store
            .save_org_settings(ORG, &OrgSettings::default())
            .await
            .unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        let node = Node::start(settings(), store.clone(), clock.clone())
            .await
            .unwrap();
        let handle = Arc::new(OnceLock::new());
        let _ = handle.set(node.handle());
        let app = router(AdminState {
            store: store.clone(),
            tokens: vec![TOKEN.into()],
            clock: clock.clone() as Arc<dyn Clock>,
            node: handle,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = CancellationToken::new();
        let shutdown = stop.clone().cancelled_owned();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
                .unwrap();
        });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Api {
            base,
            http,
            store,
            clock,
            node,
            stop,
            server,
            _dir: dir,
        }
    }

    async fn call(&self, post: bool, path: &str) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let request = match post {
            true => self.http.post(url).header("x-mailflow-actor", "ops"),
            false => self.http.get(url),
        };
        let response = request.bearer_auth(TOKEN).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// An alert on `connector`, resolved at once when `resolved`.
    async fn alert(&self, connector: &str, resolved: bool) -> i64 {
        let at = self.clock.now();
        let observed = self
            .store
            .observe_alert(AlertObservation {
                org: ORG.into(),
                connector: Some(connector.into()),
                code: "4.4.316".into(),
                rule: AlertRule::QueuedCount,
                values: AlertValues {
                    queued: 250,
                    queued_over_age: 210,
                    oldest_received_at: Some(at - Duration::from_secs(7200)),
                    last_error: None,
                    ..AlertValues::default()
                },
                at,
            })
            .await
            .unwrap();
        if resolved {
            self.store
                .resolve_alerts(ORG, Some(connector), at)
                .await
                .unwrap();
        }
        observed.alert.id
    }

    async fn stop(self) {
        self.node.shutdown().await;
        self.stop.cancel();
        tokio::time::timeout(Duration::from_secs(10), self.server)
            .await
            .unwrap()
            .unwrap();
    }
}

fn settings() -> NodeSettings {
    NodeSettings {
        node_name: "relay.test".into(),
        org: ORG.into(),
        receive: ReceiveSettings {
            hostname: "relay.test".into(),
            listen: vec!["127.0.0.1:0".parse().unwrap()],
            trusted_networks: vec!["127.0.0.0/8".parse().unwrap()],
            max_message_size: 1024 * 1024,
            max_recipients: 100,
            max_line_length: 1000,
            command_timeout: Duration::from_secs(30),
            data_timeout: Duration::from_secs(30),
            max_errors: 10,
            max_received_headers: 30,
            expiration: Duration::from_secs(24 * 3600),
            org: ORG.into(),
        },
        deliver: DeliverySettings {
            hostname: "relay.test".into(),
            mx_port: 25,
            connect_timeout: Duration::from_secs(2),
            command_timeout: Duration::from_secs(5),
            nameservers: Vec::new(),
            dns_timeout: Duration::from_millis(500),
            trusted_ca_file: None,
        },
        queue: QueueSettings::default(),
    }
}

#[tokio::test]
async fn alerts_are_listed_by_state_open_by_default() {
    let api = Api::start().await;
    let resolved = api.alert("to-partner", true).await;
    let open = api.alert("to-onprem", false).await;

    let (status, body) = api.call(false, "/api/v1/alerts").await;
    assert_eq!(status, 200);
    let list = body.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], open);
    assert_eq!(list[0]["state"], "open");
    assert_eq!(list[0]["connector"], "to-onprem");
    assert_eq!(list[0]["code"], "4.4.316");
    assert_eq!(list[0]["category"], "connection_refused");
    assert_eq!(list[0]["rule"], "queued_count");
    assert_eq!(
        (
            list[0]["queued"].as_u64(),
            list[0]["queued_over_age"].as_u64()
        ),
        (Some(250), Some(210))
    );

    let (_, body) = api.call(false, "/api/v1/alerts?state=resolved").await;
    let ids: Vec<i64> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [resolved]);
    let (_, body) = api.call(false, "/api/v1/alerts?state=all").await;
    assert_eq!(body.as_array().unwrap().len(), 2);

    let (status, body) = api.call(false, "/api/v1/alerts?state=closed").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["field"], "state");
    api.stop().await;
}

#[tokio::test]
async fn an_alert_is_acknowledged_by_the_actor_and_stays_open() {
    let api = Api::start().await;
    let id = api.alert("to-onprem", false).await;
    let (status, body) = api.call(true, &format!("/api/v1/alerts/{id}/ack")).await;
    assert_eq!(status, 200);
    assert_eq!(body["acknowledged_by"], "ops");
    assert_eq!(body["state"], "open");
    assert!(body["acknowledged_at"].is_string());

    let (status, body) = api.call(true, "/api/v1/alerts/999/ack").await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (404, Some("not_found"))
    );
    assert_eq!(body["error"]["id"], "999");
    let (status, body) = api.call(true, "/api/v1/alerts/first/ack").await;
    assert_eq!((status, body["error"]["field"].as_str()), (400, Some("id")));
    api.stop().await;
}

#[tokio::test]
async fn the_alert_routes_are_in_the_openapi_document() {
    let api = Api::start().await;
    let (_, document) = api.call(false, "/api/v1/openapi.json").await;
    assert!(document["paths"]["/api/v1/alerts"]["get"].is_object());
    assert!(document["paths"]["/api/v1/alerts/{id}/ack"]["post"].is_object());
    assert!(document["components"]["schemas"]["AlertView"].is_object());
    api.stop().await;
}
