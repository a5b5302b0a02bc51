//! Delivery to one next hop: resolve it, connect to each address in order,
//! hold the conversation under the connector's TLS policy, and diagnose every
//! failure where it is seen, per address. Connector validation runs the same
//! steps against every address, without sending mail.

pub mod dns;

mod attempt_log;
mod body;
mod candidates;
mod connect;
mod deliverer;
mod diagnose;
mod furthest;
mod memory;
mod session;
mod starttls;
mod tls;
mod transfer;
mod validate;
mod wire_addresses;

pub use body::{BodyRead, BodySource, MessageBody};
pub use deliverer::{Deliverer, DeliverySetupError};
pub use memory::{DeliveryMemory, MemoryHold};
pub use tls::{NegotiatedTls, TrustedCaError};
pub use validate::{TlsObservation, ValidationReport};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Node-wide delivery settings, from `[delivery]` and `[dns]`.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// The name said in EHLO.
    pub hostname: String,
    /// The port for MX delivery (25; tests and labs change it).
    pub mx_port: u16,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
    /// DNS servers as `ip:port`; empty: the system resolver.
    pub nameservers: Vec<SocketAddr>,
    pub dns_timeout: Duration,
    /// Extra trusted CAs (PEM) for `verify_ca` / `verify_name`.
    pub trusted_ca_file: Option<PathBuf>,
    /// The most bytes all deliveries together hold for bodies at once (see
    /// `DeliveryMemory`).
    pub max_delivery_memory: u64,
}

/// `max_delivery_memory` unless configured: room for about 200 bodies
/// being sent at once.
pub const DEFAULT_MAX_DELIVERY_MEMORY: u64 = 64 * 1024 * 1024;

use mailflow_core::{
    AddressResult, Diagnosis, DsnEnvelope, DsnRecipient, MessageId, SmartHost, TlsPolicy,
};

/// Where a next hop's addresses come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Tried in order; a host without a port uses 25.
    SmartHosts(Vec<SmartHost>),
    /// The domain's MX records by preference (implicit MX: its A/AAAA when
    /// there is no MX; a null MX accepts no mail), on `mx_port`.
    Mx { domain: String },
}

/// Everything `deliver` needs to know about one next hop.
#[derive(Debug, Clone)]
pub struct NextHopPlan {
    pub target: Target,
    pub tls: TlsPolicy,
    /// The name `verify_name` expects; default: the host name connected to.
    pub tls_name: Option<String>,
    /// Connector overrides of the node's time-outs.
    pub connect_timeout: Option<Duration>,
    pub command_timeout: Option<Duration>,
    /// Routed through a connector. Without one (ordinary internet mail), a
    /// domain that does not exist fails at once with `5.4.310`; through one,
    /// NXDOMAIN stays a temporary `4.4.312` an administrator can fix.
    pub through_connector: bool,
}

/// One message to hand to the next hop.
#[derive(Debug, Clone)]
pub struct OutboundMessage {
    pub id: MessageId,
    /// Empty for the null sender.
    pub sender: String,
    pub dsn: DsnEnvelope,
    pub recipients: Vec<OutboundRecipient>,
    /// CRLF line endings, not dot-stuffed; read a piece at a time when sent.
    pub body: MessageBody,
}

#[derive(Debug, Clone)]
pub struct OutboundRecipient {
    pub address: String,
    pub dsn: DsnRecipient,
}

/// What happened to each recipient of each message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientOutcome {
    Delivered {
        reply: String,
        server: String,
    },
    Failed {
        diagnosis: Diagnosis,
        server: Option<String>,
    },
}

/// A message whose transaction has ended while the session goes on: its
/// outcomes, and the addresses tried up to and including the one that took
/// it. Lets the caller record a delivery as soon as the next hop said `250`
/// instead of when the whole batch is done.
#[derive(Debug, Clone)]
pub struct Settled {
    /// The message's position in the list given to `deliver`.
    pub index: usize,
    pub outcomes: Vec<RecipientOutcome>,
    pub addresses: Vec<AddressResult>,
}

#[derive(Debug, Clone)]
pub struct DeliveryReport {
    /// Per-address results of every connection tried, in order.
    pub addresses: Vec<AddressResult>,
    /// One entry per message given, in the same order; in each, one outcome
    /// per recipient, in the same order.
    pub messages: Vec<Vec<RecipientOutcome>>,
}
