//! The SMTP listener: one session per client, routing every recipient at
//! `RCPT`, and `250` only once the message is durable in the store.
//!
//! `receiver` accepts connections, `session` holds one client's conversation,
//! `envelope` builds MAIL/RCPT, `route` decides where each recipient goes,
//! `accept` checks, stamps and stores a complete message, `trace` writes the
//! `Received:` header and counts the ones already there.

mod accept;
mod admission;
mod credentials;
mod envelope;
mod login_failures;
mod message_id_header;
pub mod metrics;
mod postmaster;
mod quota;
mod receiver;
mod recipient_org;
pub mod route;
mod sasl;
mod session;
mod trace;

pub use admission::SessionLimits;
pub use credentials::{PasswordHashError, hash_password, password_matches, user_name_problem};
pub use quota::QUOTA_WINDOW;
pub use receiver::Receiver;
pub use route::{RouteRefusal, next_hop, route_mailbox, route_reason, route_recipient};

use ipnet::IpNet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// What the listener needs to know; built from the `[server]` and `[queue]`
/// sections of the config.
#[derive(Debug, Clone)]
pub struct ReceiveSettings {
    /// The name in the greeting, EHLO reply and `Received:` header.
    pub hostname: String,
    pub listen: Vec<SocketAddr>,
    /// Clients in these networks may relay to any domain.
    pub trusted_networks: Vec<IpNet>,
    pub max_message_size: u64,
    /// The largest header block a message may have (`552 5.3.4` past it).
    pub max_header_size: u64,
    /// What all sessions together may hold of messages being received;
    /// a message with no room left is refused for now (`452 4.3.1`).
    pub max_receiving_memory: u64,
    /// Of that, what the messages from one client address outside the
    /// trusted networks may hold at once (`452 4.3.1` past it).
    pub max_receiving_memory_per_client: u64,
    pub max_recipients: usize,
    /// `RCPT`s a message may have refused for now (`452 4.5.3`) past
    /// `max_recipients`; each one more counts as an error (Postfix's
    /// recipient overshoot limit).
    pub max_recipient_overshoot: usize,
    /// Longest command line, CRLF included (RFC 5321: at least 512).
    pub max_line_length: usize,
    /// Longest line of a message's data, in characters, its CRLF not
    /// counted (RFC 5322 2.1.1: 998); a message with a longer line is read
    /// to its end and refused (`554 5.6.0`).
    pub max_data_line_length: u64,
    pub command_timeout: Duration,
    /// Each read of a message's data must bring bytes within this.
    pub data_timeout: Duration,
    /// The whole of a message's data must arrive within this.
    pub data_deadline: Duration,
    /// A session is closed (`421 4.4.2`) at its first command after this
    /// long; a message being received is never cut short by it.
    pub max_session_duration: Duration,
    /// Errors after which the session is closed with `421`.
    pub max_errors: usize,
    /// Commands that move no mail (`NOOP`, `RSET`, `VRFY`, `HELP`, `EHLO`,
    /// `HELO`) a session may send without a message accepted in between;
    /// one more closes it with `421 4.7.0`.
    pub max_junk_commands: usize,
    /// More `Received:` headers than this is a loop (`554 5.4.6`).
    pub max_received_headers: usize,
    /// How long an accepted message is tried before it expires.
    pub expiration: Duration,
    /// The organisation mail is received for.
    pub org: String,
    /// The certificate offered with STARTTLS (rustls on ring); `None`:
    /// STARTTLS is not offered.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How failed SMTP AUTH log-ins are slowed down and cut off.
    pub auth: AuthLimits,
    /// How many sessions may be open at once.
    pub sessions: SessionLimits,
}

/// Failed log-ins, counted per session and per client address (across its
/// sessions, over `lockout_window` since its latest failure). The `n`-th
/// failure of an address is answered after `n × failure_delay` (at most
/// `max_failure_delay`); the `max_failures`-th of a session closes it with
/// `421 4.7.0`; once an address has had `lockout_after` failures, AUTH from
/// it is refused the same way, without a password being checked, until the
/// window has passed.
#[derive(Debug, Clone)]
pub struct AuthLimits {
    pub failure_delay: Duration,
    pub max_failure_delay: Duration,
    pub max_failures: usize,
    pub lockout_after: usize,
    pub lockout_window: Duration,
}

impl Default for AuthLimits {
    fn default() -> Self {
        AuthLimits {
            failure_delay: Duration::from_secs(1),
            max_failure_delay: Duration::from_secs(5),
            max_failures: 3,
            lockout_after: 10,
            lockout_window: Duration::from_secs(15 * 60),
        }
    }
}
