//! The config file as written: every section and key the file may hold, and
//! nothing else (`deny_unknown_fields` everywhere, so a typo is an error, not
//! a silently ignored setting). Defaults are applied later, in `build`.

use super::values::{ByteSize, HumanDuration, ListenAddr, Nameserver, Network, OptionalDuration};
use mailflow_core::{ConnectorKind, DomainType, SmartHost, TlsPolicy};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub node: RawNode,
    pub server: RawServer,
    pub admin: RawAdmin,
    pub store: RawStore,
    pub dns: RawDns,
    pub delivery: RawDelivery,
    pub queue: RawQueue,
    pub accepted_domains: Vec<RawAcceptedDomain>,
    pub connectors: Vec<RawConnector>,
    pub directory: RawDirectory,
    pub alerts: super::raw_alerts::RawAlerts,
    pub insights: RawInsights,
    pub log: RawLog,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawNode {
    /// What this node is called among the nodes sharing a store.
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawServer {
    pub hostname: Option<String>,
    pub smtp_listen: Option<Vec<ListenAddr>>,
    pub trusted_networks: Option<Vec<Network>>,
    pub max_message_size: Option<ByteSize>,
    pub max_header_size: Option<ByteSize>,
    pub max_receiving_memory: Option<ByteSize>,
    pub max_receiving_memory_per_client: Option<ByteSize>,
    /// Characters of one line of a message's data, CRLF not counted.
    pub max_line_length: Option<u64>,
    pub max_recipients: Option<usize>,
    pub max_recipient_overshoot: Option<usize>,
    pub max_sessions: Option<usize>,
    pub max_sessions_per_client: Option<usize>,
    pub max_session_duration: Option<HumanDuration>,
    pub max_junk_commands: Option<usize>,
    pub auth_lockout_after: Option<usize>,
    pub auth_lockout_window: Option<HumanDuration>,
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAdmin {
    pub listen: Option<ListenAddr>,
    /// Plain tokens (lab setups); hashed as soon as the file is read.
    pub tokens: Option<Vec<String>>,
    /// `sha256:<hex>` digests of tokens, as `mailflow token hash` prints them.
    pub token_hashes: Option<Vec<String>>,
    /// Networks whose clients may read `/metrics` without a token.
    pub metrics_networks: Option<Vec<Network>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawStore {
    pub path: Option<PathBuf>,
    pub url: Option<String>,
    pub max_connections: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawDns {
    pub nameservers: Option<Vec<Nameserver>>,
    pub timeout: Option<HumanDuration>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawDelivery {
    pub mx_port: Option<u16>,
    pub connect_timeout: Option<HumanDuration>,
    pub command_timeout: Option<HumanDuration>,
    pub trusted_ca_file: Option<PathBuf>,
    pub max_delivery_memory: Option<ByteSize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawQueue {
    pub retry: Option<Vec<HumanDuration>>,
    pub expiration: Option<HumanDuration>,
    pub delay_notice: Option<OptionalDuration>,
    pub lease: Option<HumanDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAcceptedDomain {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: DomainType,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConnector {
    pub name: String,
    pub kind: ConnectorKind,
    #[serde(default)]
    pub recipient_domains: Vec<String>,
    #[serde(default)]
    pub smart_hosts: Vec<SmartHost>,
    #[serde(default)]
    pub tls: TlsPolicy,
    pub tls_name: Option<String>,
    pub enabled: Option<bool>,
    pub max_connections: Option<usize>,
    pub connect_timeout: Option<HumanDuration>,
    pub command_timeout: Option<HumanDuration>,
}

/// What is logged.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawLog {
    /// An `EnvFilter` directive: `info`, `debug`, `info,mailflow_relay=debug`.
    pub level: Option<String>,
}

/// How long the trace's events and the insight history are kept.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawInsights {
    pub event_retention: Option<HumanDuration>,
    pub history_retention: Option<HumanDuration>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawDirectory {
    pub recipients: Vec<String>,
    pub file: Option<PathBuf>,
}
