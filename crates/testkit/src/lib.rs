//! Real loopback peers for tests.
//!
//! mailflow is tested against real sockets, never mocks: a scripted SMTP
//! server that misbehaves on demand, a small authoritative DNS server,
//! certificates made at test time, and addresses that refuse or swallow
//! connections. Everything listens on loopback and stops when dropped.

pub mod certs;
pub mod dns_server;
pub mod ports;
pub mod postgres_schema;
pub mod smtp_server;

pub use certs::{TestCa, TestCert, Validity};
pub use dns_server::{DnsFault, DnsServer};
pub use ports::{BlackHole, refused_addr};
pub use smtp_server::{
    Fault, FaultAction, FaultPoint, ReceivedMessage, ReceivedRecipient, SessionRecord,
    SmtpBehavior, SmtpServer, StartTls, WaitTimedOut,
};
