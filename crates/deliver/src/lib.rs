//! Delivery to one next hop: resolve it, connect to each address in order,
//! hold the conversation under the connector's TLS policy, and diagnose every
//! failure where it is seen, per address.

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
}
