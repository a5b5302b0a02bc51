//! The English words for administrators: insights and alerts.
//!
//! Kept to ASCII, so that an alert e-mail in English travels as plain
//! 7-bit text.

use super::English;
use crate::catalogue::{AdminCatalogue, AlertLabel, AlertSituation, Catalogue};
use crate::topic::Topic;

impl AdminCatalogue for English {
    fn all_clear(&self) -> &'static str {
        "Mail is flowing: nothing is waiting with an error and no attempt failed in the last hour."
    }

    fn recovered(&self) -> &'static str {
        "Some attempts failed in the last hour, but no waiting mail carries an error now."
    }

    fn message_drops_connection(&self, message: &str) -> String {
        format!(
            "One message makes the server drop the connection during its data: message {message}. Other mail goes through; that message is retried on its own and bounced if it keeps failing."
        )
    }

    fn causes(&self, topic: Topic) -> &'static [&'static str] {
        advice(topic).0
    }

    fn actions(&self, topic: Topic) -> &'static [&'static str] {
        advice(topic).1
    }

    fn connector_name(&self, connector: Option<&str>) -> String {
        connector.map_or_else(|| "(direct MX delivery)".to_string(), str::to_string)
    }

    fn alert_summary(&self, situation: &AlertSituation) -> String {
        match *situation {
            AlertSituation::Backlog {
                connector,
                queued,
                over_age,
                oldest,
                opened_at,
            } => {
                let oldest = oldest.map_or_else(String::new, |at| {
                    format!(", the oldest received on {}", self.time(at))
                });
                format!(
                    "Mail for {} is piling up: {} queued, {over_age} of them longer than the alert rules allow{oldest}. The alert has been open since {}.",
                    route(connector),
                    recipients(queued),
                    self.time(opened_at)
                )
            }
            AlertSituation::Drained {
                connector,
                opened_at,
                resolved_at,
            } => format!(
                "The backlog of {} has drained: the alert opened on {} was resolved on {}.",
                route(connector),
                self.time(opened_at),
                self.time(resolved_at)
            ),
            AlertSituation::UnknownRecipients {
                refused,
                sources,
                opened_at,
            } => format!(
                "The organisation's quota of unknown recipients is exceeded: {} refused as unknown in the last hour, from {}. Until the hour rolls on, those sources get temporary 450 4.7.1 replies. The alert has been open since {}.",
                recipients(refused),
                sources.join(", "),
                self.time(opened_at)
            ),
            AlertSituation::LostBodies {
                connector,
                lost,
                opened_at,
            } => format!(
                "Messages accepted for {} were lost from the store: {} no longer had a body and {} returned to {} senders. The alert has been open since {}.",
                route(connector),
                messages(lost),
                if lost == 1 { "was" } else { "were" },
                if lost == 1 { "its" } else { "their" },
                self.time(opened_at)
            ),
            AlertSituation::LostBodiesOver {
                connector,
                opened_at,
                resolved_at,
            } => format!(
                "No more message bodies were lost for {}: the alert opened on {} was resolved on {}.",
                route(connector),
                self.time(opened_at),
                self.time(resolved_at)
            ),
            AlertSituation::WithinQuota {
                opened_at,
                resolved_at,
            } => format!(
                "Unknown recipients are back within the organisation's quota: the alert opened on {} was resolved on {}.",
                self.time(opened_at),
                self.time(resolved_at)
            ),
        }
    }

    fn alert_subject(&self, id: i64, situation: &AlertSituation, code: &str) -> String {
        let what = match *situation {
            AlertSituation::Backlog { connector, .. } => {
                format!("mail is piling up on {}", route(connector))
            }
            AlertSituation::Drained { connector, .. } => {
                format!("the queue has drained on {}", route(connector))
            }
            AlertSituation::UnknownRecipients { .. } => {
                "too many messages to unknown recipients".to_string()
            }
            AlertSituation::LostBodies { connector, .. } => {
                format!("message bodies lost from the store ({})", route(connector))
            }
            AlertSituation::LostBodiesOver { connector, .. } => {
                format!("no more message bodies lost ({})", route(connector))
            }
            AlertSituation::WithinQuota { .. } => {
                "unknown recipients are back within the quota".to_string()
            }
        };
        format!("[mailflow] alert {id}: {what} ({code})")
    }

    fn alert_closing(&self, id: i64, open: bool) -> String {
        if open {
            format!(
                "The connector's insight (mailflow insights) shows the fix actions that apply. Queued mail is retried until it expires. To acknowledge alert {id}: mailflow alerts ack {id}"
            )
        } else {
            format!("Nothing more to do: alert {id} stays in the list of resolved alerts.")
        }
    }

    fn alert_label(&self, label: AlertLabel) -> &'static str {
        match label {
            AlertLabel::Connector => "Connector",
            AlertLabel::Code => "Code",
            AlertLabel::LastError => "Last error",
            AlertLabel::ServerTried => "Server tried",
            AlertLabel::RecipientsQueued => "Recipients queued",
            AlertLabel::WaitingTooLong => "Waiting too long",
            AlertLabel::OldestReceived => "Oldest received",
            AlertLabel::AlertOpened => "Alert opened",
            AlertLabel::LikelyCauses => "Likely causes",
            AlertLabel::WhatToDo => "What to do",
        }
    }
}

fn route(connector: Option<&str>) -> String {
    connector.map_or_else(
        || "direct MX delivery".to_string(),
        |name| format!("connector {name}"),
    )
}

fn recipients(n: u64) -> String {
    match n {
        1 => "1 recipient".to_string(),
        n => format!("{n} recipients"),
    }
}

type Lines = &'static [&'static str];

fn advice(topic: Topic) -> (Lines, Lines) {
    match topic {
        Topic::DnsFailed => (
            &[
                "The smart host's name (or the domain's MX host) is misspelt or no longer exists in DNS.",
                "The DNS servers this node uses cannot be reached, or answer SERVFAIL or REFUSED.",
                "The name exists but has no address (A/AAAA) records.",
            ],
            &[
                "Check the name in the connector's smart hosts against the detail.",
                "Look the name up from this node against its configured DNS servers.",
                "Correct the DNS records, or point the connector at the server's IP address.",
            ],
        ),
        Topic::ConnectTimedOut => (
            &[
                "The server is down or unreachable from this node.",
                "A firewall drops connections to the SMTP port.",
                "The connector points at the wrong address or port.",
            ],
            &[
                "Check that the server is running and reachable from this node on that port.",
                "Check the firewalls between this node and the server.",
                "If the on-premises server was retired, stop relaying to it (fix: stop-relaying).",
            ],
        ),
        Topic::ConnectionRefused => (
            &[
                "No mail service listens on that address and port: it is stopped or moved.",
                "The connector's port is wrong.",
            ],
            &[
                "Start the SMTP service on the server, or correct the connector's smart host and port.",
                "If the on-premises server was retired, stop relaying to it (fix: stop-relaying).",
                "Until it is back, mail waits and is retried; nothing is lost before expiry.",
            ],
        ),
        Topic::ServerRefuses => (
            &[
                "The server is overloaded, in maintenance, or refuses this relay's address.",
                "The server rejects the name this relay gives in EHLO.",
            ],
            &[
                "Read the server's reply in the last error and the server's own logs.",
                "Allow this relay's address on the server if it is refused there.",
            ],
        ),
        Topic::StartTlsMissing => (
            &[
                "The connector requires TLS and the server does not offer STARTTLS (or refuses it).",
                "Something between the relay and the server strips STARTTLS from the server's reply.",
            ],
            &[
                "Enable STARTTLS on the server.",
                "Or let the connector deliver without TLS (fix: allow-without-tls); this is a security trade-off.",
            ],
        ),
        Topic::TlsHandshakeFailed => (
            &["The server and the relay have no TLS version or cipher in common."],
            &[
                "Update the server's TLS configuration to offer TLS 1.2 or later with current ciphers.",
            ],
        ),
        Topic::ConnectionDropped => (
            &[
                "The server closes or resets connections: it crashed, hit a connection limit, or timed out.",
                "A firewall or load balancer in between cuts the connection.",
            ],
            &[
                "Check the server's logs at the time of the last error.",
                "Lower the connector's concurrency (max_connections) if the server limits connections.",
            ],
        ),
        Topic::DroppedAfterFinalDot => (
            &[
                "The server broke the connection after the message was sent, before it confirmed it.",
            ],
            &[
                "The message may have arrived; the retry may deliver it twice.",
                "Check the server's logs and its handling of large or slow messages.",
            ],
        ),
        Topic::MessageDropsConnection => (
            &[
                "The server cannot take something in that one message: a line, a header or a size it refuses to read.",
                "A content filter on the server crashes or gives up on that message.",
            ],
            &[
                "Bounce the message now (its sender gets a report), or let mailflow bounce it after its next failures.",
                "Check the server's logs at the time of the last error for why it dropped the connection.",
            ],
        ),
        Topic::CertificateExpired => (
            &["The server's certificate is out of date (expired, or not yet valid)."],
            &[
                "Renew the server's certificate.",
                "Or stop validating it (fix: lower-tls); this is a security trade-off.",
            ],
        ),
        Topic::CertificateNameMismatch => (
            &["The certificate does not name the host the connector delivers to."],
            &[
                "Install a certificate for that name, or set the connector's tls_name to a name the certificate carries.",
                "Or stop validating it (fix: lower-tls); this is a security trade-off.",
            ],
        ),
        Topic::CertificateUntrusted => (
            &["The certificate is self-signed or issued by a CA this node does not trust."],
            &[
                "Install a certificate from a trusted CA, or trust the private CA in the node's settings.",
                "Or stop validating it (fix: lower-tls); this is a security trade-off.",
            ],
        ),
        Topic::CertificateOther => (
            &["The certificate failed validation (see the detail)."],
            &[
                "Replace the certificate, or stop validating it (fix: lower-tls); this is a security trade-off.",
            ],
        ),
        Topic::RemoteTransient => (
            &[
                "The server accepted the connection but deferred the mail: greylisting, rate limits, a full mailbox or a temporary problem on its side.",
            ],
            &[
                "Read the server's reply in the last error; mail is retried on schedule.",
                "If it lasts, ask the server's administrators what the reply means.",
            ],
        ),
        Topic::RemotePermanent => (
            &["The server refused some mail for good (unknown recipients, policy)."],
            &["Those messages are returned to their senders; read the server's reply for why."],
        ),
        Topic::UnknownRecipients => (
            &[
                "A sender or an application writes to addresses that do not exist: an old list, a typing mistake, or someone guessing addresses.",
                "The directory is missing mailboxes that do exist.",
            ],
            &[
                "Check the sources named in the alert and stop whatever sends from them if it is not legitimate.",
                "Add the missing mailboxes to the directory, or raise invalid_recipient_quota if the traffic is legitimate.",
            ],
        ),
        Topic::LostBodies => (
            &[
                "Another process opened the node's data directory and removed its spool files: a mailflow without the data-directory lock, a second node on the same directory, or a clean-up script.",
                "The disk or the file system lost or damaged the spool files.",
            ],
            &[
                "Find what else touches the data directory (other mailflow processes, scripts, backups that restore or prune) and stop it.",
                "Check the disk and the file system for errors.",
                "The senders received non-delivery reports; the trace of each message names it, if they ask.",
            ],
        ),
        Topic::NotTriedYet => (
            &[
                "Mail is waiting but no attempt has failed yet: the connector is disabled or suspended, or its next retry has not come round.",
            ],
            &[
                "Check that the connector is enabled and not suspended, then retry its queue if needed.",
            ],
        ),
        Topic::Other => (
            &["See the detail of the last error."],
            &["Check the node's logs around the time of the last error."],
        ),
    }
}

fn messages(n: u64) -> String {
    if n == 1 {
        "1 message".to_string()
    } else {
        format!("{n} messages")
    }
}
