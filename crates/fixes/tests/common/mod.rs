//! A whole node on loopback for the fixes' tests: a SQLite store in a
//! temporary directory, a manual clock, SMTP on an ephemeral port, and the
//! `NodeHandle` fixes act through.

#![allow(dead_code)]

pub mod submit;

use mail_parser::MimeHeaders;
use mailflow_core::{
    AcceptedDomain, Connector, ConnectorKind, Directory, DomainType, ManualClock, OrgSettings,
    RecipientState, SmartHost, TlsPolicy,
};
use mailflow_deliver::DeliverySettings;
use mailflow_receive::ReceiveSettings;
use mailflow_relay::{Node, NodeHandle, NodeSettings, QueueSettings, RunningNode};
use mailflow_store::{SharedStore, SqliteStore, StoredMessage};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub const ORG: &str = "default";

pub struct TestNode {
    pub node: Option<RunningNode>,
    pub handle: NodeHandle,
    pub clock: Arc<ManualClock>,
    pub store: SharedStore,
    pub smtp: SocketAddr,
    _dir: tempfile::TempDir,
}

pub fn settings() -> NodeSettings {
    NodeSettings {
        node_name: "relay.test".into(),
        org: ORG.into(),
        receive: ReceiveSettings {
            hostname: "relay.test".into(),
            listen: vec!["127.0.0.1:0".parse().unwrap()],
            trusted_networks: vec!["127.0.0.0/8".parse().unwrap()],
            max_message_size: 10 * 1024 * 1024,
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

impl TestNode {
    pub async fn start(org: OrgSettings) -> TestNode {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
        store.save_org_settings(ORG, &org).await.unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        let node = Node::start(settings(), store.clone(), clock.clone())
            .await
            .unwrap();
        let smtp = node.smtp_addrs()[0];
        TestNode {
            handle: node.handle(),
            node: Some(node),
            clock,
            store,
            smtp,
            _dir: dir,
        }
    }

    pub async fn message(&self, id: &str) -> StoredMessage {
        self.store
            .message(id.parse().unwrap())
            .await
            .unwrap()
            .expect("message in the store")
    }

    /// The states of a message's recipients, in order.
    pub async fn states(&self, id: &str) -> Vec<RecipientState> {
        let message = self.message(id).await;
        message.recipients.iter().map(|r| r.state).collect()
    }

    pub async fn stop(mut self) {
        if let Some(node) = self.node.take() {
            node.shutdown().await;
        }
    }
}

/// Waits (bounded) until `check` holds; the relay works in the background.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}

pub fn connector(name: &str, kind: ConnectorKind, domains: &[&str], host: SocketAddr) -> Connector {
    Connector {
        name: name.into(),
        kind,
        enabled: true,
        recipient_domains: domains.iter().map(|d| d.to_string()).collect(),
        smart_hosts: vec![host.to_string().parse::<SmartHost>().unwrap()],
        tls: TlsPolicy::Opportunistic,
        tls_name: None,
        connect_timeout: None,
        command_timeout: None,
        max_connections: 4,
    }
}

/// contoso.test (internal relay, on premises at `onprem`, alice in the
/// directory) and a partner connector for example.test at `partner`, where
/// senders' reports go.
pub fn org(onprem: SocketAddr, partner: SocketAddr) -> OrgSettings {
    let mut directory = Directory::default();
    directory.insert("alice@contoso.test");
    OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "contoso.test".into(),
            kind: DomainType::InternalRelay,
        }],
        connectors: vec![
            connector(
                "to-onprem",
                ConnectorKind::OnPremises,
                &["contoso.test"],
                onprem,
            ),
            connector(
                "to-partner",
                ConnectorKind::Partner,
                &["example.test"],
                partner,
            ),
        ],
        directory,
    }
}

/// The `message/delivery-status` part of a report, as text.
pub fn delivery_status(report: &[u8]) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(report)
        .expect("the report parses");
    message
        .parts
        .iter()
        .find(|part| {
            part.content_type().is_some_and(|ct| {
                ct.ctype() == "message" && ct.subtype() == Some("delivery-status")
            })
        })
        .map(|part| String::from_utf8_lossy(part.contents()).into_owned())
        .expect("a message/delivery-status part")
}

/// Some loopback address for settings that are never dialled.
pub fn unused_addr() -> SocketAddr {
    "127.0.0.1:9".parse().unwrap()
}
