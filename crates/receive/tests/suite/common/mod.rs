//! A real receiver on a loopback port with a real SQLite store in a
//! temporary directory, and a plain SMTP client that reads replies as they
//! come on the wire.

#![allow(dead_code)]

pub mod tls;

use mailflow_core::{
    AcceptedDomain, Connector, ConnectorKind, DomainType, ManualClock, MessageId, OrgSettings,
    Orgs, TlsPolicy,
};
use mailflow_receive::{ReceiveSettings, Receiver};
use mailflow_store::{
    BodyStore, MessageFilter, OperatorStore, QueueStore, SharedStore, SqliteOptions, SqliteStore,
    StoredMessage,
};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a test waits for any one reply before failing.
const REPLY_WAIT: Duration = Duration::from_secs(5);

pub fn settings() -> ReceiveSettings {
    ReceiveSettings {
        hostname: "mx.mailflow.test".into(),
        listen: vec![],
        trusted_networks: vec!["127.0.0.0/8".parse().unwrap()],
        max_message_size: 10_000,
        max_header_size: 10_000,
        max_receiving_memory: 100 * 1024 * 1024,
        max_receiving_memory_per_client: 100 * 1024 * 1024,
        max_recipients: 5,
        max_recipient_overshoot: 1000,
        max_line_length: 512,
        max_data_line_length: 998,
        command_timeout: Duration::from_secs(10),
        data_timeout: Duration::from_secs(10),
        data_deadline: Duration::from_secs(10),
        max_session_duration: Duration::from_secs(3600),
        max_errors: 10,
        max_junk_commands: 100,
        max_received_headers: 30,
        expiration: Duration::from_secs(24 * 3600),
        org: "default".into(),
        tls: None,
        auth: mailflow_receive::AuthLimits::default(),
        sessions: mailflow_receive::SessionLimits::default(),
    }
}

pub fn connector(
    name: &str,
    kind: ConnectorKind,
    domains: &[&str],
    smart_hosts: &[&str],
) -> Connector {
    Connector {
        name: name.into(),
        kind,
        enabled: true,
        recipient_domains: domains.iter().map(|d| d.to_string()).collect(),
        smart_hosts: smart_hosts.iter().map(|h| h.parse().unwrap()).collect(),
        tls: TlsPolicy::Opportunistic,
        tls_name: None,
        connect_timeout: None,
        command_timeout: None,
        max_connections: 4,
    }
}

/// contoso.test is authoritative (alice, bob), hybrid.test internal relay,
/// both through the on-premises connector with a smart host; fabrikam.test
/// is a partner routed by MX.
pub fn org() -> OrgSettings {
    let mut org = OrgSettings {
        accepted_domains: vec![
            AcceptedDomain {
                name: "contoso.test".into(),
                kind: DomainType::Authoritative,
            },
            AcceptedDomain {
                name: "hybrid.test".into(),
                kind: DomainType::InternalRelay,
            },
        ],
        connectors: vec![
            connector(
                "onprem",
                ConnectorKind::OnPremises,
                &["contoso.test", "hybrid.test"],
                &["127.0.0.1:2599"],
            ),
            connector("fabrikam", ConnectorKind::Partner, &["fabrikam.test"], &[]),
        ],
        ..Default::default()
    };
    org.directory.insert("alice@contoso.test");
    org.directory.insert("bob@contoso.test");
    org
}

pub struct Harness {
    pub addr: SocketAddr,
    pub receiver: Arc<Receiver>,
    pub store: Arc<SqliteStore>,
    pub clock: Arc<ManualClock>,
    pub accepted: Arc<Notify>,
    _orgs: watch::Sender<Arc<Orgs>>,
    shutdown: CancellationToken,
    server: JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(settings(), SqliteOptions::default()).await
    }

    pub async fn start_with(settings: ReceiveSettings, options: SqliteOptions) -> Harness {
        Harness::start_in(tempfile::tempdir().unwrap(), settings, options).await
    }

    /// Listening on `bind` (a loopback address, port 0) instead of
    /// 127.0.0.1.
    pub async fn start_on(bind: &str, settings: ReceiveSettings) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        Harness::start_bound(bind, dir, settings, SqliteOptions::default(), vec![]).await
    }

    /// With other organisations beside the node's own (`org()`).
    pub async fn start_orgs(
        settings: ReceiveSettings,
        others: Vec<(&str, OrgSettings)>,
    ) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteOptions::default();
        Harness::start_bound("127.0.0.1:0", dir, settings, options, others).await
    }

    async fn start_in(
        dir: tempfile::TempDir,
        settings: ReceiveSettings,
        options: SqliteOptions,
    ) -> Harness {
        Harness::start_bound("127.0.0.1:0", dir, settings, options, vec![]).await
    }

    async fn start_bound(
        bind: &str,
        dir: tempfile::TempDir,
        settings: ReceiveSettings,
        options: SqliteOptions,
        others: Vec<(&str, OrgSettings)>,
    ) -> Harness {
        let store = Arc::new(SqliteStore::open_with(dir.path(), options).await.unwrap());
        let shared: SharedStore = store.clone();
        let clock = Arc::new(ManualClock::starting_now());
        let accepted = Arc::new(Notify::new());
        let others = others
            .into_iter()
            .map(|(name, org)| (name.to_string(), org));
        let orgs = Orgs::new(others.chain([(settings.org.clone(), org())]));
        let (org_sender, org_receiver) = watch::channel(Arc::new(orgs));
        let receiver = Arc::new(Receiver::new(
            settings,
            shared,
            org_receiver,
            clock.clone(),
            accepted.clone(),
        ));
        let listener = TcpListener::bind(bind).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(receiver.clone().serve(listener, shutdown.clone()));
        Harness {
            addr,
            receiver,
            store,
            clock,
            accepted,
            _orgs: org_sender,
            shutdown,
            server,
            _dir: dir,
        }
    }

    /// A store capped at the size it has when empty: it takes no message.
    pub async fn start_full(settings: ReceiveSettings) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let empty = SqliteStore::open(dir.path()).await.unwrap();
        let size = std::fs::metadata(empty.path()).unwrap().len();
        empty.close().await.unwrap();
        let options = SqliteOptions {
            max_size_bytes: Some(size),
            ..SqliteOptions::default()
        };
        Harness::start_in(dir, settings, options).await
    }

    /// Connected, greeting read.
    pub async fn connect(&self) -> Client {
        let stream = TcpStream::connect(self.addr).await.unwrap();
        let mut client = Client {
            stream: BufReader::new(stream),
        };
        let greeting = client.reply().await;
        assert_eq!(greeting, "220 mx.mailflow.test ESMTP mailflow");
        client
    }

    /// Connected and past EHLO.
    pub async fn ehlo(&self) -> Client {
        let mut client = self.connect().await;
        client.expect("EHLO client.test", "250").await;
        client
    }

    /// Connected, past EHLO and `MAIL FROM:<carol@fabrikam.test>`.
    pub async fn mail_from_carol(&self) -> Client {
        let mut client = self.ehlo().await;
        client
            .expect("MAIL FROM:<carol@fabrikam.test>", "250")
            .await;
        client
    }

    /// Past `MAIL FROM:<carol@fabrikam.test>` and five recipients at
    /// hybrid.test, as many as `settings()` allows per message.
    pub async fn full_envelope(&self) -> Client {
        let mut client = self.mail_from_carol().await;
        for n in 0..5 {
            client
                .expect(&format!("RCPT TO:<user{n}@hybrid.test>"), "250")
                .await;
        }
        client
    }

    /// Connected from `source` (any 127.0.0.0/8 address), greeting read and
    /// EHLO sent whatever its reply.
    pub async fn connect_from(&self, source: &str) -> Client {
        let socket = TcpSocket::new_v4().unwrap();
        socket
            .bind(SocketAddr::new(source.parse::<IpAddr>().unwrap(), 0))
            .unwrap();
        let stream = socket.connect(self.addr).await.unwrap();
        let mut client = Client {
            stream: BufReader::new(stream),
        };
        assert!(client.reply().await.starts_with("220 "));
        client.command("EHLO client.test").await;
        client
    }

    pub async fn messages(&self) -> Vec<StoredMessage> {
        let filter = MessageFilter {
            limit: 1000,
            ..Default::default()
        };
        self.store.list_messages(&filter).await.unwrap()
    }

    pub async fn message(&self, id: MessageId) -> StoredMessage {
        self.store
            .message(id)
            .await
            .unwrap()
            .expect("message stored")
    }

    pub async fn body(&self, id: MessageId) -> String {
        String::from_utf8(self.store.body(id).await.unwrap().expect("body stored")).unwrap()
    }

    pub fn cancel(&self) {
        self.shutdown.cancel();
    }

    pub async fn stop(self) -> tempfile::TempDir {
        self.shutdown.cancel();
        tokio::time::timeout(REPLY_WAIT, self.server)
            .await
            .expect("serve ends")
            .unwrap();
        // The store's directory, for a caller that reads the store after
        // the server stopped (it goes when the caller drops it).
        self._dir
    }
}

pub struct Client<S = TcpStream> {
    stream: BufReader<S>,
}

impl Client {
    /// The client's own address: what the node sees as its peer.
    pub fn local_ip(&self) -> std::net::IpAddr {
        self.stream.get_ref().local_addr().unwrap().ip()
    }

    /// The stream under the client, for a TLS handshake after STARTTLS; any
    /// bytes already read but not consumed are dropped.
    pub fn into_stream(self) -> TcpStream {
        self.stream.into_inner()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    pub fn over(stream: S) -> Client<S> {
        Client {
            stream: BufReader::new(stream),
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.get_mut().write_all(bytes).await.unwrap();
    }

    /// One whole reply, its lines joined with `\n`, CRLFs removed.
    pub async fn reply(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let read = tokio::time::timeout(REPLY_WAIT, self.stream.read_line(&mut line)).await;
            assert!(
                read.expect("a reply in time").unwrap() > 0,
                "connection closed; got {lines:?}"
            );
            assert!(line.ends_with("\r\n"), "reply line without CRLF: {line:?}");
            let line = line.trim_end().to_string();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return lines.join("\n");
            }
        }
    }

    /// Sends one command line and returns the reply.
    pub async fn command(&mut self, line: &str) -> String {
        self.send(format!("{line}\r\n").as_bytes()).await;
        self.reply().await
    }

    /// Sends one command line and checks the reply starts with `start`.
    pub async fn expect(&mut self, line: &str, start: &str) -> String {
        let reply = self.command(line).await;
        assert!(
            reply.starts_with(start),
            "{line:?} got {reply:?}, expected {start:?}"
        );
        reply
    }

    /// DATA, the message (already CRLF and dot-stuffed, without the final
    /// dot), the final dot; returns the final reply.
    pub async fn data(&mut self, message: &str) -> String {
        self.expect("DATA", "354").await;
        self.send(message.as_bytes()).await;
        self.send(b".\r\n").await;
        self.reply().await
    }

    /// Reads until the server closes the connection; true when it did in time.
    pub async fn closed_by_server(&mut self) -> bool {
        let mut rest = Vec::new();
        matches!(
            tokio::time::timeout(REPLY_WAIT, self.stream.read_to_end(&mut rest)).await,
            Ok(Ok(_))
        )
    }
}

/// The id in `250 2.0.0 Ok: queued as <id>`.
pub fn queued_id(reply: &str) -> MessageId {
    let id = reply
        .strip_prefix("250 2.0.0 Ok: queued as ")
        .unwrap_or_else(|| panic!("not queued: {reply:?}"));
    id.parse().unwrap()
}
