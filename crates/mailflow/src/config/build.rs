//! From the file as written to the settings a node runs with: defaults are
//! filled in, and the checks that need more than one value at a time are
//! made here (limits that must fit together, files that cannot be read),
//! each naming the file, line and key. The organisation's settings are
//! checked by `mailflow_core::org_check`, as the admin API checks them
//! (duplicate names, domains no connector carries), and their problems
//! shown here at their key.

use super::directory_file;
use super::error::{ConfigError, ConfigWarning, Location, Problem};
use super::locate::{Document, KeyPath, Segment};
use super::raw::{
    RawAcceptedDomain, RawConfig, RawConnector, RawDelivery, RawDirectory, RawNode, RawQueue,
    RawServer,
};
use super::values::HumanDuration;
use super::{
    AdminConfig, Config, ConfigSource, DEFAULT_ADMIN_LISTEN, DEFAULT_ORG, DEFAULT_STORE_PATH,
    SharedStoreConfig,
};
use ipnet::IpNet;
use mailflow_admin::TokenDigest;
use mailflow_core::{
    AcceptedDomain, Connector, Directory, FieldPath, FieldSegment, OrgSettings, org_check,
};
use mailflow_deliver::DeliverySettings;
use mailflow_receive::{AuthLimits, ReceiveSettings, SessionLimits};
use mailflow_relay::{HeartbeatSettings, NodeSettings, QueueSettings};
use std::path::{Path, PathBuf};
use std::time::Duration;

mod alerts;
mod insights;

/// Limits of the SMTP listener that the file does not (yet) set.
const MAX_LINE_LENGTH: usize = 2048;
const SMTP_COMMAND_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const SMTP_DATA_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// A whole message's data: 35 MB at 20 KB/s.
const SMTP_DATA_DEADLINE: Duration = Duration::from_secs(30 * 60);
const MAX_ERRORS_PER_SESSION: usize = 10;
const MAX_RECEIVED_HEADERS: usize = 30;
const DEFAULT_MAX_MESSAGE_SIZE: u64 = 35 * 1024 * 1024;
/// The header block of a message; Exchange's default receive limit.
const DEFAULT_MAX_HEADER_SIZE: u64 = 256 * 1024;
/// Messages being received, all sessions together: fourteen of the largest
/// at once, thousands of ordinary ones.
const DEFAULT_MAX_RECEIVING_MEMORY: u64 = 512 * 1024 * 1024;
/// Without `max_receiving_memory_per_client`, one client address outside
/// the trusted networks may hold this part of `max_receiving_memory`
/// (but never less than one message of the largest size).
const DEFAULT_CLIENT_SHARE_DIVISOR: u64 = 4;
/// A line of a message's data, CRLF not counted: RFC 5322 2.1.1's limit
/// (RFC 5321 4.5.3.1.6: 1000 octets with the CRLF), which every server must
/// take and the large mail providers enforce. Lower would refuse valid mail.
const DEFAULT_MAX_DATA_LINE_LENGTH: u64 = 998;
/// Long enough for any real batch, short enough that a client sending NOOP
/// now and then does not hold a session place for ever.
const DEFAULT_MAX_SESSION_DURATION: Duration = Duration::from_secs(60 * 60);
const DEFAULT_MAX_RECIPIENTS: usize = 1000;
/// Postfix's recipient overshoot limit: a pipelined list may run this far
/// past `max_recipients` before each `452` counts as an error.
const DEFAULT_MAX_RECIPIENT_OVERSHOOT: usize = 1000;
/// Postfix's junk command limit: plenty for a client's RSET or NOOP between
/// messages, since the count starts over at each message accepted.
const DEFAULT_MAX_JUNK_COMMANDS: usize = 100;
/// A node renews its leases every third of the lease (see the relay's
/// `lease_keeper`); below this, a busy database could make one late.
const MIN_LEASE: Duration = Duration::from_secs(10);
/// Connections a node keeps to the shared database at most.
const DEFAULT_STORE_CONNECTIONS: u32 = 16;
const DEFAULT_DNS_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(5 * 60);

pub struct Context<'a> {
    file: &'a Path,
    base_dir: &'a Path,
    document: &'a Document<'a>,
    warnings: Vec<ConfigWarning>,
}

type Checked<T> = Result<T, ConfigError>;

impl<'a> Context<'a> {
    pub fn new(file: &'a Path, base_dir: &'a Path, document: &'a Document<'a>) -> Self {
        Context {
            file,
            base_dir,
            document,
            warnings: Vec::new(),
        }
    }

    pub fn build(mut self, raw: RawConfig) -> Checked<Config> {
        let receive = self.receive(raw.server, &raw.queue)?;
        let deliver = self.deliver(raw.delivery, raw.dns, &receive.hostname)?;
        let queue = self.queue(raw.queue)?;
        let org = self.org(raw.accepted_domains, raw.connectors, raw.directory)?;
        let alerts = self.alerts(raw.alerts, &org)?;
        let insights = self.insights(raw.insights);
        let admin = self.admin(raw.admin)?;
        let log_level = self.log_level(raw.log)?;
        let store_path = match raw.store.path {
            Some(path) if path.as_os_str().is_empty() => {
                return Err(self.inconsistent(
                    KeyPath::key("store").then("path"),
                    "the store path is empty",
                ));
            }
            Some(path) => path,
            None => PathBuf::from(DEFAULT_STORE_PATH),
        };
        let shared_store = self.shared_store(raw.store.url, raw.store.max_connections)?;
        let node_name = self.node_name(raw.node, &receive.hostname)?;
        let node = NodeSettings {
            node_name,
            org: DEFAULT_ORG.into(),
            receive,
            deliver,
            queue,
            heartbeat: HeartbeatSettings {
                version: env!("CARGO_PKG_VERSION").to_string(),
                ..HeartbeatSettings::default()
            },
        };
        let source = ConfigSource::File(self.file.to_path_buf());
        Ok(Config {
            source,
            node,
            org,
            alerts,
            insights,
            admin,
            log_level,
            store_path,
            shared_store,
            warnings: self.warnings,
        })
    }

    /// Only the organisation's part of a file in the config's format
    /// (`mailflow apply`): the other sections are read for their shape but
    /// not checked further.
    pub fn build_org(mut self, raw: RawConfig) -> Checked<(OrgSettings, Vec<ConfigWarning>)> {
        let org = self.org(raw.accepted_domains, raw.connectors, raw.directory)?;
        Ok((org, self.warnings))
    }

    // --- node settings ----------------------------------------------------

    fn receive(&mut self, server: RawServer, queue: &RawQueue) -> Checked<ReceiveSettings> {
        let at = KeyPath::key("server");
        let hostname = match server.hostname {
            Some(name) => self.check_hostname(at.then("hostname"), name)?,
            None => machine_hostname(),
        };
        let listen: Vec<_> = match server.smtp_listen {
            Some(list) => list.into_iter().map(|a| a.0).collect(),
            None => vec!["127.0.0.1:2525".parse().expect("a socket address")],
        };
        if listen.is_empty() {
            return Err(self.inconsistent(
                at.then("smtp_listen"),
                "no address to listen on; give at least one",
            ));
        }
        let trusted_networks = match server.trusted_networks {
            Some(list) => list.into_iter().map(|n| n.0).collect(),
            None => vec![
                "127.0.0.0/8".parse().expect("a network"),
                "::1/128".parse().expect("a network"),
            ],
        };
        let tls = self.server_tls(server.tls_cert_file, server.tls_key_file)?;
        let max_recipients = server.max_recipients.unwrap_or(DEFAULT_MAX_RECIPIENTS);
        if max_recipients == 0 {
            return Err(self.inconsistent(at.then("max_recipients"), "must be at least 1"));
        }
        let defaults = SessionLimits::default();
        let sessions = SessionLimits {
            max_sessions: server.max_sessions.unwrap_or(defaults.max_sessions),
            max_sessions_per_client: server
                .max_sessions_per_client
                .unwrap_or(defaults.max_sessions_per_client),
        };
        let max_junk_commands = server
            .max_junk_commands
            .unwrap_or(DEFAULT_MAX_JUNK_COMMANDS);
        for (key, value) in [
            ("max_sessions", sessions.max_sessions),
            ("max_sessions_per_client", sessions.max_sessions_per_client),
            ("max_junk_commands", max_junk_commands),
        ] {
            if value == 0 {
                return Err(self.inconsistent(at.then(key), "must be at least 1"));
            }
        }
        let auth = self.auth_limits(server.auth_lockout_after, server.auth_lockout_window)?;
        let max_message_size = server
            .max_message_size
            .map_or(DEFAULT_MAX_MESSAGE_SIZE, |s| s.0);
        let max_receiving_memory = server
            .max_receiving_memory
            .map_or(DEFAULT_MAX_RECEIVING_MEMORY, |s| s.0);
        let max_receiving_memory_per_client = self.client_share(
            server.max_receiving_memory_per_client.map(|s| s.0),
            max_receiving_memory,
            max_message_size,
        )?;
        let max_data_line_length = server
            .max_line_length
            .unwrap_or(DEFAULT_MAX_DATA_LINE_LENGTH);
        if max_data_line_length < DEFAULT_MAX_DATA_LINE_LENGTH {
            return Err(self.inconsistent(
                at.then("max_line_length"),
                "must be at least 998: RFC 5321 and RFC 5322 let every line of a message be \
                 998 characters long",
            ));
        }
        Ok(ReceiveSettings {
            hostname,
            listen,
            trusted_networks,
            max_message_size,
            max_header_size: server
                .max_header_size
                .map_or(DEFAULT_MAX_HEADER_SIZE, |s| s.0),
            max_receiving_memory,
            max_receiving_memory_per_client,
            max_recipients,
            max_recipient_overshoot: server
                .max_recipient_overshoot
                .unwrap_or(DEFAULT_MAX_RECIPIENT_OVERSHOOT),
            max_line_length: MAX_LINE_LENGTH,
            max_data_line_length,
            command_timeout: SMTP_COMMAND_TIMEOUT,
            data_timeout: SMTP_DATA_TIMEOUT,
            data_deadline: SMTP_DATA_DEADLINE,
            max_session_duration: server
                .max_session_duration
                .map_or(DEFAULT_MAX_SESSION_DURATION, |d| d.0),
            max_errors: MAX_ERRORS_PER_SESSION,
            max_junk_commands,
            max_received_headers: MAX_RECEIVED_HEADERS,
            expiration: queue
                .expiration
                .map_or(QueueSettings::default().expiration, |d| d.0),
            org: DEFAULT_ORG.into(),
            tls,
            auth,
            sessions,
        })
    }

    /// What one client address outside the trusted networks may hold of
    /// the receiving memory: `configured`, or a quarter of the whole. It
    /// must fit in the whole, and take a message of the largest size (else
    /// such a message would be refused for now, and retried, for ever).
    fn client_share(
        &self,
        configured: Option<u64>,
        whole: u64,
        max_message_size: u64,
    ) -> Checked<u64> {
        let Some(share) = configured else {
            let quarter = whole / DEFAULT_CLIENT_SHARE_DIVISOR;
            return Ok(quarter.max(max_message_size).min(whole));
        };
        let key = KeyPath::key("server").then("max_receiving_memory_per_client");
        if share > whole {
            return Err(self.inconsistent(
                key,
                &format!(
                    "is larger than server.max_receiving_memory ({share} > {whole} bytes); \
                     one client cannot hold more than all of them"
                ),
            ));
        }
        if share < max_message_size {
            return Err(self.inconsistent(
                key,
                &format!(
                    "is smaller than server.max_message_size ({share} < {max_message_size} \
                     bytes): a message of the largest size would never be taken"
                ),
            ));
        }
        Ok(share)
    }

    /// The lock-out of client addresses after failed SMTP AUTH log-ins; the
    /// delays within a session are fixed. (A zero window is refused when the
    /// duration is read.)
    fn auth_limits(
        &mut self,
        lockout_after: Option<usize>,
        lockout_window: Option<HumanDuration>,
    ) -> Checked<AuthLimits> {
        let defaults = AuthLimits::default();
        let lockout_after = lockout_after.unwrap_or(defaults.lockout_after);
        if lockout_after == 0 {
            let key = KeyPath::key("server").then("auth_lockout_after");
            return Err(self.inconsistent(key, "must be at least 1"));
        }
        let lockout_window = lockout_window.map_or(defaults.lockout_window, |d| d.0);
        Ok(AuthLimits {
            lockout_after,
            lockout_window,
            ..defaults
        })
    }

    /// The STARTTLS certificate from `tls_cert_file` and `tls_key_file`
    /// (both or neither); neither: `None`, and `serve` uses a generated one.
    fn server_tls(
        &mut self,
        cert: Option<PathBuf>,
        key: Option<PathBuf>,
    ) -> Checked<Option<std::sync::Arc<rustls::ServerConfig>>> {
        let at = KeyPath::key("server");
        let (cert, key) = match (cert, key) {
            (None, None) => return Ok(None),
            (Some(_), None) => {
                return Err(self.inconsistent(
                    at.then("tls_cert_file"),
                    "is given without server.tls_key_file; give both or neither",
                ));
            }
            (None, Some(_)) => {
                return Err(self.inconsistent(
                    at.then("tls_key_file"),
                    "is given without server.tls_cert_file; give both or neither",
                ));
            }
            (Some(cert), Some(key)) => (cert, key),
        };
        let cert = self.readable_file(at.then("tls_cert_file"), &cert)?;
        let key = self.readable_file(at.then("tls_key_file"), &key)?;
        match crate::tls_identity::from_pem_files(&cert, &key) {
            Ok(config) => Ok(Some(config)),
            Err(error) => Err(self.inconsistent(at.then("tls_cert_file"), &error.to_string())),
        }
    }

    fn deliver(
        &mut self,
        delivery: RawDelivery,
        dns: super::raw::RawDns,
        hostname: &str,
    ) -> Checked<DeliverySettings> {
        let mx_port = delivery.mx_port.unwrap_or(25);
        if mx_port == 0 {
            return Err(
                self.inconsistent(KeyPath::key("delivery").then("mx_port"), "0 is not a port")
            );
        }
        let trusted_ca_file = match delivery.trusted_ca_file {
            Some(path) => {
                Some(self.readable_file(KeyPath::key("delivery").then("trusted_ca_file"), &path)?)
            }
            None => None,
        };
        Ok(DeliverySettings {
            hostname: hostname.to_string(),
            mx_port,
            connect_timeout: delivery
                .connect_timeout
                .map_or(DEFAULT_CONNECT_TIMEOUT, |d| d.0),
            command_timeout: delivery
                .command_timeout
                .map_or(DEFAULT_COMMAND_TIMEOUT, |d| d.0),
            nameservers: dns
                .nameservers
                .unwrap_or_default()
                .into_iter()
                .map(|n| n.0)
                .collect(),
            dns_timeout: dns.timeout.map_or(DEFAULT_DNS_TIMEOUT, |d| d.0),
            trusted_ca_file,
            max_delivery_memory: delivery
                .max_delivery_memory
                .map_or(mailflow_deliver::DEFAULT_MAX_DELIVERY_MEMORY, |s| s.0),
        })
    }

    fn queue(&mut self, queue: RawQueue) -> Checked<QueueSettings> {
        let defaults = QueueSettings::default();
        let at = KeyPath::key("queue");
        let retry = match queue.retry {
            Some(list) if list.is_empty() => {
                return Err(self.inconsistent(at.then("retry"), "the retry schedule is empty; give at least one wait, e.g. [\"1m\", \"5m\", \"1h\"]"));
            }
            Some(list) => list.into_iter().map(|d| d.0).collect(),
            None => defaults.retry.clone(),
        };
        let expiration = queue.expiration.map_or(defaults.expiration, |d| d.0);
        let delay_notice = queue.delay_notice.map_or(defaults.delay_notice, |d| d.0);
        if delay_notice.is_some_and(|delay| delay >= expiration) {
            self.warn(
                at.then("delay_notice"),
                "is not shorter than queue.expiration: no delay notice will ever be sent",
            );
        }
        let lease = queue.lease.map_or(defaults.lease, |d| d.0);
        if lease < MIN_LEASE {
            return Err(self.inconsistent(
                at.then("lease"),
                "a lease shorter than 10s would run out between its renewals; give e.g. \"2m\"",
            ));
        }
        Ok(QueueSettings {
            retry,
            expiration,
            delay_notice,
            lease,
            ..defaults
        })
    }

    /// `[store] url`: the PostgreSQL database the nodes of a cluster share.
    fn shared_store(
        &mut self,
        url: Option<String>,
        max_connections: Option<u32>,
    ) -> Checked<Option<SharedStoreConfig>> {
        let at = KeyPath::key("store");
        let Some(url) = url else {
            if max_connections.is_some() {
                self.warn(
                    at.then("max_connections"),
                    "applies only with store.url; the embedded store ignores it",
                );
            }
            return Ok(None);
        };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(self.inconsistent(
                at.then("url"),
                "the store url is a PostgreSQL url, e.g. \"postgres://mailflow@db.example:5432/mailflow\"",
            ));
        }
        let max_connections = max_connections.unwrap_or(DEFAULT_STORE_CONNECTIONS);
        if max_connections < 4 {
            return Err(self.inconsistent(
                at.then("max_connections"),
                "a node needs at least 4 connections (receiving, delivering, the scheduler and the API each hold one at times)",
            ));
        }
        Ok(Some(SharedStoreConfig {
            url,
            max_connections,
        }))
    }

    fn admin(&mut self, admin: super::raw::RawAdmin) -> Checked<AdminConfig> {
        let mut token_digests = Vec::new();
        for (index, text) in admin.token_hashes.unwrap_or_default().iter().enumerate() {
            let at = KeyPath::key("admin").then("token_hashes").at(index);
            match text.parse::<TokenDigest>() {
                Ok(digest) => token_digests.push(digest),
                Err(error) => return Err(self.inconsistent(at, &error.to_string())),
            }
        }
        let tokens = admin.tokens.unwrap_or_default();
        for (index, token) in tokens.iter().enumerate() {
            let at = KeyPath::key("admin").then("tokens").at(index);
            if token.trim().is_empty() || token.chars().any(char::is_whitespace) {
                return Err(self.inconsistent(at, "a token cannot be empty or contain spaces"));
            }
            if let Some(weakness) = super::weak_token::weakness(token) {
                self.warn(at, &weakness);
            }
            token_digests.push(TokenDigest::of(token));
        }
        let listen = admin.listen.map_or_else(
            || DEFAULT_ADMIN_LISTEN.parse().expect("a socket address"),
            |a| a.0,
        );
        if !listen.ip().is_loopback() {
            // The API speaks plain HTTP: tokens would cross the network in clear.
            self.warn(
                KeyPath::key("admin").then("listen"),
                "is not a loopback address; the admin API has no TLS, so bearer tokens \
                 cross the network in clear (put a TLS proxy in front of it)",
            );
        }
        let metrics_networks = admin
            .metrics_networks
            .unwrap_or_default()
            .into_iter()
            .map(|network| network.0)
            .collect::<Vec<IpNet>>();
        let off_loopback = |net: &IpNet| !net.addr().is_loopback();
        if listen.ip().is_loopback() && metrics_networks.iter().any(off_loopback) {
            self.warn(
                KeyPath::key("admin").then("metrics_networks"),
                "names networks off loopback, but admin.listen is a loopback address: \
                 no scraper there can reach /metrics",
            );
        }
        Ok(AdminConfig {
            listen,
            token_digests,
            plain_tokens: tokens.len(),
            metrics_networks,
        })
    }

    fn log_level(&self, log: super::raw::RawLog) -> Checked<String> {
        let Some(level) = log.level else {
            return Ok(crate::logging::DEFAULT_LEVEL.to_string());
        };
        match crate::logging::parse_level(&level) {
            Ok(_) => Ok(level.trim().to_string()),
            Err(error) => Err(self.inconsistent(
                KeyPath::key("log").then("level"),
                &format!("{level:?} is not a log level or filter ({error}); e.g. \"info\" or \"info,mailflow_relay=debug\""),
            )),
        }
    }

    // --- organisation settings ---------------------------------------------

    /// The organisation's settings, checked by `mailflow_core::org_check`
    /// as the admin API checks them; each problem is shown at its key.
    fn org(
        &mut self,
        domains: Vec<RawAcceptedDomain>,
        connectors: Vec<RawConnector>,
        directory: RawDirectory,
    ) -> Checked<OrgSettings> {
        let directory = self.directory(directory)?;
        let org = OrgSettings {
            accepted_domains: domains
                .into_iter()
                .map(|domain| AcceptedDomain {
                    name: domain.name,
                    kind: domain.kind,
                })
                .collect(),
            connectors: connectors.into_iter().map(connector_from).collect(),
            directory,
        };
        let org = org_check::org(org)
            .map_err(|problem| self.inconsistent(key_path(&problem.field), &problem.message))?;
        for warning in org_check::warnings(&org) {
            self.warn(key_path(&warning.field), &warning.message);
        }
        Ok(org)
    }

    fn directory(&mut self, raw: RawDirectory) -> Checked<Directory> {
        let mut directory = Directory::default();
        for (index, address) in raw.recipients.iter().enumerate() {
            let at = KeyPath::key("directory").then("recipients").at(index);
            if let Err(message) = directory_file::check_address(address) {
                return Err(self.inconsistent(at, &message));
            }
            directory.insert(address);
        }
        if let Some(path) = raw.file {
            let at = KeyPath::key("directory").then("file");
            let resolved = self.readable_file(at.clone(), &path)?;
            directory_file::read_into(&resolved, &mut directory).map_err(|error| ConfigError {
                at: Location {
                    file: resolved.clone(),
                    line: Some(error.line),
                    key: Some(at),
                },
                problem: Problem::BadValue(error.message),
            })?;
        }
        Ok(directory)
    }

    // --- single values -----------------------------------------------------

    /// `[node] name`, or the host name the node greets with.
    fn node_name(&self, node: RawNode, hostname: &str) -> Checked<String> {
        let at = KeyPath::key("node").then("name");
        let (name, given) = match node.name {
            Some(name) => (name, true),
            None => (hostname.to_string(), false),
        };
        super::node_name::check(&name).map_err(|problem| {
            let whose = if given {
                String::new()
            } else {
                format!(" (the host name {hostname:?}, as none is set)")
            };
            self.inconsistent(at, &format!("the node's name{whose} {problem}"))
        })?;
        Ok(name)
    }

    fn check_hostname(&self, at: KeyPath, name: String) -> Checked<String> {
        self.check_domain(at, &name)
    }

    fn check_domain(&self, at: KeyPath, name: &str) -> Checked<String> {
        org_check::domain_name(name).map_err(|message| self.inconsistent(at, &message))
    }

    /// A path relative to the config file's directory, that must be a
    /// readable file. An empty path (the config's own directory) or a
    /// directory is refused here, at the key that names it: opening a
    /// directory succeeds, and reading it later would fail far from the key.
    fn readable_file(&self, at: KeyPath, path: &Path) -> Checked<PathBuf> {
        if path.as_os_str().is_empty() {
            return Err(self.inconsistent(at, "is empty; give the path of a file"));
        }
        let resolved = self.base_dir.join(path);
        match std::fs::File::open(&resolved).and_then(|file| file.metadata()) {
            Ok(metadata) if metadata.is_dir() => Err(self.inconsistent(
                at,
                &format!("{} is a directory, not a file", resolved.display()),
            )),
            Ok(_) => Ok(resolved),
            Err(error) => {
                Err(self.inconsistent(at, &format!("cannot read {}: {error}", resolved.display())))
            }
        }
    }

    fn location(&self, key: KeyPath) -> Location {
        Location {
            file: self.file.to_path_buf(),
            line: Some(self.document.line_of(&key)),
            key: Some(key),
        }
    }

    fn inconsistent(&self, key: KeyPath, message: &str) -> ConfigError {
        ConfigError {
            at: self.location(key),
            problem: Problem::Inconsistent(message.to_string()),
        }
    }

    fn warn(&mut self, key: KeyPath, message: &str) {
        let at = self.location(key);
        self.warnings.push(ConfigWarning {
            at,
            message: message.to_string(),
        });
    }
}

/// A connector as the file writes it, defaults filled in; checked with the
/// rest of the organisation's settings.
fn connector_from(raw: RawConnector) -> Connector {
    Connector {
        name: raw.name,
        kind: raw.kind,
        enabled: raw.enabled.unwrap_or(true),
        recipient_domains: raw.recipient_domains,
        smart_hosts: raw.smart_hosts,
        tls: raw.tls,
        tls_name: raw.tls_name,
        connect_timeout: raw.connect_timeout.map(|d| d.0),
        command_timeout: raw.command_timeout.map(|d| d.0),
        max_connections: raw
            .max_connections
            .unwrap_or(mailflow_core::org::DEFAULT_MAX_CONNECTIONS),
    }
}

/// The config key of a field of the organisation's settings.
fn key_path(field: &FieldPath) -> KeyPath {
    KeyPath(
        field
            .0
            .iter()
            .map(|segment| match segment {
                FieldSegment::Key(name) => Segment::Key((*name).to_string()),
                FieldSegment::Index(index) => Segment::Index(*index),
            })
            .collect(),
    )
}

/// The machine's host name, for the greeting and EHLO when none is set.
fn machine_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
