//! Insights and the message trace over real HTTP, in front of a running
//! node: a message comes in over SMTP, is deferred because the on-premises
//! server greets with an error, and is delivered once the server is back.

use mailflow_admin::{AdminState, router};
use mailflow_core::{
    AcceptedDomain, Clock, Connector, ConnectorKind, DomainType, ManualClock, OrgSettings,
    RecipientState, SmartHost, TlsPolicy,
};
use mailflow_deliver::DeliverySettings;
use mailflow_receive::ReceiveSettings;
use mailflow_relay::{Node, NodeSettings, QueueSettings, RunningNode};
use mailflow_store::{SharedStore, SqliteStore};
use mailflow_testkit::{SmtpBehavior, SmtpServer};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "insight-token-1234";
const ORG: &str = "default";

struct Api {
    base: String,
    http: reqwest::Client,
    store: SharedStore,
    clock: Arc<ManualClock>,
    node: Option<RunningNode>,
    stop: CancellationToken,
    server: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Api {
    async fn start(onprem: SocketAddr) -> Api {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
        store.save_org_settings(ORG, &org(onprem)).await.unwrap();
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
        let addr = listener.local_addr().unwrap();
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
            base: format!("http://{addr}"),
            http,
            store,
            clock,
            node: Some(node),
            stop,
            server,
            _dir: dir,
        }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    fn smtp(&self) -> SocketAddr {
        self.node.as_ref().unwrap().smtp_addrs()[0]
    }

    fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.node.as_ref().unwrap().wake();
    }

    /// Waits (bounded) until the message's only recipient is in `state`.
    async fn wait_for_state(&self, id: &str, state: RecipientState) {
        let id = id.parse().unwrap();
        for _ in 0..500 {
            let message = self.store.message(id).await.unwrap().unwrap();
            if message.recipients[0].state == state {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the recipient never became {state}");
    }

    async fn stop(mut self) {
        if let Some(node) = self.node.take() {
            node.shutdown().await;
        }
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

fn org(onprem: SocketAddr) -> OrgSettings {
    OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "contoso.test".into(),
            kind: DomainType::InternalRelay,
        }],
        connectors: vec![Connector {
            name: "to-onprem".into(),
            kind: ConnectorKind::OnPremises,
            enabled: true,
            recipient_domains: vec!["contoso.test".into()],
            smart_hosts: vec![onprem.to_string().parse::<SmartHost>().unwrap()],
            tls: TlsPolicy::Opportunistic,
            tls_name: None,
            connect_timeout: None,
            command_timeout: None,
            max_connections: 2,
        }],
        directory: Default::default(),
    }
}

/// Sends one message over SMTP; returns the queue id from the `250`.
async fn submit(smtp: SocketAddr, from: &str, to: &str) -> String {
    let stream = tokio::net::TcpStream::connect(smtp).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    expect(&mut read, "220").await;
    let commands = [
        ("EHLO client.test\r\n".to_string(), "250"),
        (format!("MAIL FROM:<{from}>\r\n"), "250"),
        (format!("RCPT TO:<{to}>\r\n"), "250"),
        ("DATA\r\n".to_string(), "354"),
        ("Subject: trace me\r\n\r\nhello\r\n.\r\n".to_string(), "250"),
    ];
    let mut last = String::new();
    for (command, code) in commands {
        write.write_all(command.as_bytes()).await.unwrap();
        last = expect(&mut read, code).await;
    }
    let _ = write.write_all(b"QUIT\r\n").await;
    last.split_whitespace().last().unwrap().to_string()
}

/// Reads one (possibly multi-line) reply and checks its code; returns its last line.
async fn expect(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, code: &str) -> String {
    loop {
        let mut line = String::new();
        read.read_line(&mut line).await.unwrap();
        assert!(line.starts_with(code), "expected {code}, got {line:?}");
        if line.as_bytes().get(3) != Some(&b'-') {
            return line.trim_end().to_string();
        }
    }
}

fn event_types(trace: &Value) -> Vec<String> {
    trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn insights_and_the_trace_follow_a_message_deferred_then_delivered() {
    let onprem =
        SmtpServer::start(SmtpBehavior::new().greeting("421 4.3.2 service not available")).await;
    let api = Api::start(onprem.addr()).await;
    let id = submit(api.smtp(), "bob@example.test", "alice@contoso.test").await;
    api.wait_for_state(&id, RecipientState::Deferred).await;

    let (status, list) = api.get("/api/v1/insights").await;
    assert_eq!(status, 200, "{list}");
    let insight = &list.as_array().unwrap()[0];
    assert_eq!(insight["connector"], "to-onprem");
    assert_eq!(insight["kind"], "on_premises");
    assert_eq!(insight["queued"], 1);
    assert_eq!(insight["status"], "failing");
    assert_eq!(insight["by_code"][0]["code"], "4.4.317");
    assert_eq!(insight["by_code"][0]["category"], "remote_server_error");
    assert_eq!(insight["last_error"]["server"], onprem.addr().to_string());
    assert!(
        insight["last_error"]["detail"]
            .as_str()
            .unwrap()
            .contains("421"),
        "{insight}"
    );
    assert_eq!(insight["last_address"], onprem.addr().to_string());
    assert_eq!(
        (
            insight["attempts_last_hour"].as_u64(),
            insight["successes_last_hour"].as_u64()
        ),
        (Some(1), Some(0))
    );
    assert!(
        insight["fixes"]
            .as_array()
            .unwrap()
            .contains(&Value::from("disable:to-onprem"))
    );

    let (status, one) = api.get("/api/v1/insights/to-onprem?lang=fr").await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["queued"], 1);
    let (status, error) = api.get("/api/v1/insights/to-onprem?lang=xx").await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (400, Some("lang"))
    );
    let (status, error) = api.get("/api/v1/insights/nowhere").await;
    assert_eq!(
        (status, error["error"]["id"].as_str()),
        (404, Some("nowhere"))
    );

    onprem.set_behavior(SmtpBehavior::new());
    api.advance(Duration::from_secs(64)); // past the first retry and its jitter
    onprem
        .wait_for_messages(1, Duration::from_secs(10))
        .await
        .unwrap();
    api.wait_for_state(&id, RecipientState::Delivered).await;

    let (status, traces) = api.get(&format!("/api/v1/trace?message_id={id}")).await;
    assert_eq!(status, 200, "{traces}");
    let trace = &traces.as_array().unwrap()[0];
    assert_eq!(
        event_types(trace),
        ["received", "attempt", "deferred", "attempt", "delivered"]
    );
    let events = trace["events"].as_array().unwrap();
    let received = events[0]["summary"].as_str().unwrap();
    assert!(received.contains("received from 127.0.0.1"), "{received}");
    assert_eq!(events[1]["addresses"][0]["code"], "4.4.317");
    assert_eq!(events[2]["code"], "4.4.317");
    assert_eq!(events[4]["server"], onprem.addr().to_string());

    let (_, by_recipient) = api
        .get("/api/v1/trace?recipient=ALICE@contoso.test&status=delivered")
        .await;
    assert_eq!(by_recipient.as_array().unwrap().len(), 1);
    let (_, none) = api.get("/api/v1/trace?sender=nobody@example.test").await;
    assert!(none.as_array().unwrap().is_empty());
    let (status, error) = api.get("/api/v1/trace?since=yesterday").await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (400, Some("since"))
    );

    let (_, after) = api.get("/api/v1/insights/to-onprem").await;
    assert_eq!(after["queued"], 0);
    assert_eq!(after["status"], "degraded", "a failure within the hour");
    assert_eq!(after["successes_last_hour"], 1);
    api.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_insights_and_trace() {
    let onprem = SmtpServer::start(SmtpBehavior::new()).await;
    let api = Api::start(onprem.addr()).await;
    let (status, document) = api.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    for path in [
        "/api/v1/insights",
        "/api/v1/insights/{connector}",
        "/api/v1/trace",
    ] {
        assert!(
            document["paths"][path]["get"].is_object(),
            "{path} is documented"
        );
    }
    for schema in ["ConnectorInsight", "TraceView", "EventView"] {
        assert!(
            document["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
    api.stop().await;
}
