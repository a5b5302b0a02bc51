//! Every word an insight says of its own, per language.
//!
//! The summary of a failure comes from the report catalogue of
//! `mailflow-ndr` (`mailflow_ndr::explain`), so that a code is explained in
//! the same words in an NDR, an insight and an alert. What only an
//! administrator needs — likely causes and what to do — lives here, keyed
//! by a [`Topic`] taken from the typed diagnosis and by [`Language`].
//! English is written; every other language falls back to it until its
//! text is written (add a match arm in [`words`]).

use mailflow_core::{CertProblem, Diagnosis, DropStage, ServerRefusal};
use mailflow_ndr::Language;

/// What an insight has to explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Nothing waits with an error and nothing failed lately.
    AllClear,
    DnsFailed,
    ConnectTimedOut,
    ConnectionRefused,
    /// The server greeted with an error or rejected EHLO and HELO.
    ServerRefuses,
    /// TLS is required and the server did not offer or refused STARTTLS.
    StartTlsMissing,
    TlsHandshakeFailed,
    ConnectionDropped,
    /// Dropped after the final dot: the message may have arrived twice.
    DroppedAfterFinalDot,
    CertificateExpired,
    CertificateNameMismatch,
    CertificateUntrusted,
    CertificateOther,
    RemoteTransient,
    RemotePermanent,
    /// Anything else (expiry, local errors).
    Other,
}

impl Topic {
    pub fn of(diagnosis: &Diagnosis) -> Topic {
        match diagnosis {
            Diagnosis::DnsQueryFailed { .. } => Topic::DnsFailed,
            Diagnosis::ConnectionTimedOut { .. } => Topic::ConnectTimedOut,
            Diagnosis::ConnectionRefused { .. } => Topic::ConnectionRefused,
            Diagnosis::RemoteServerError { refusal } => match refusal {
                ServerRefusal::Greeting { .. } | ServerRefusal::Ehlo { .. } => Topic::ServerRefuses,
                ServerRefusal::StartTlsNotOffered | ServerRefusal::StartTlsRefused { .. } => {
                    Topic::StartTlsMissing
                }
                ServerRefusal::TlsHandshake { .. } => Topic::TlsHandshakeFailed,
            },
            Diagnosis::ConnectionDropped {
                stage: DropStage::AfterFinalDot,
                ..
            } => Topic::DroppedAfterFinalDot,
            Diagnosis::ConnectionDropped { .. } => Topic::ConnectionDropped,
            Diagnosis::CertificateInvalid { problem, .. } => match problem {
                CertProblem::Expired | CertProblem::NotYetValid => Topic::CertificateExpired,
                CertProblem::NameMismatch { .. } => Topic::CertificateNameMismatch,
                CertProblem::UntrustedIssuer => Topic::CertificateUntrusted,
                _ => Topic::CertificateOther,
            },
            Diagnosis::RemoteTransient { .. } => Topic::RemoteTransient,
            Diagnosis::RemotePermanent { .. } => Topic::RemotePermanent,
            _ => Topic::Other,
        }
    }
}

/// Likely causes and what to do about one topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advice {
    pub causes: &'static [&'static str],
    pub actions: &'static [&'static str],
}

/// The words of one language.
pub trait Words: Sync {
    /// The summary when nothing is wrong.
    fn all_clear(&self) -> &'static str;
    /// The summary when attempts failed but no waiting mail carries an error.
    fn recovered(&self) -> &'static str;
    fn advice(&self, topic: Topic) -> Advice;
}

pub fn words(language: Language) -> &'static dyn Words {
    match language {
        Language::English => &English,
        // Until their text is written, the other languages speak English here.
        Language::French
        | Language::Russian
        | Language::PortugueseBrazil
        | Language::TraditionalChinese => &English,
    }
}

struct English;

impl Words for English {
    fn all_clear(&self) -> &'static str {
        "Mail is flowing: nothing is waiting with an error and no attempt failed in the last hour."
    }

    fn recovered(&self) -> &'static str {
        "Some attempts failed in the last hour, but no waiting mail carries an error now."
    }

    fn advice(&self, topic: Topic) -> Advice {
        english_advice(topic)
    }
}

fn english_advice(topic: Topic) -> Advice {
    let (causes, actions): (&[&str], &[&str]) = match topic {
        Topic::AllClear => (&[], &[]),
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
                "Or let the connector deliver without TLS (fix: allow-without-tls) — a security trade-off.",
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
        Topic::CertificateExpired => (
            &["The server's certificate is out of date (expired, or not yet valid)."],
            &[
                "Renew the server's certificate.",
                "Or stop validating it (fix: lower-tls) — a security trade-off.",
            ],
        ),
        Topic::CertificateNameMismatch => (
            &["The certificate does not name the host the connector delivers to."],
            &[
                "Install a certificate for that name, or set the connector's tls_name to a name the certificate carries.",
                "Or stop validating it (fix: lower-tls) — a security trade-off.",
            ],
        ),
        Topic::CertificateUntrusted => (
            &["The certificate is self-signed or issued by a CA this node does not trust."],
            &[
                "Install a certificate from a trusted CA, or trust the private CA in the node's settings.",
                "Or stop validating it (fix: lower-tls) — a security trade-off.",
            ],
        ),
        Topic::CertificateOther => (
            &["The certificate failed validation (see the detail)."],
            &[
                "Replace the certificate, or stop validating it (fix: lower-tls) — a security trade-off.",
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
        Topic::Other => (
            &["See the detail of the last error."],
            &["Check the node's logs around the time of the last error."],
        ),
    };
    Advice { causes, actions }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_topic_has_causes_and_actions_in_every_language() {
        let topics = [
            Topic::DnsFailed,
            Topic::ConnectTimedOut,
            Topic::ConnectionRefused,
            Topic::ServerRefuses,
            Topic::StartTlsMissing,
            Topic::TlsHandshakeFailed,
            Topic::ConnectionDropped,
            Topic::DroppedAfterFinalDot,
            Topic::CertificateExpired,
            Topic::CertificateNameMismatch,
            Topic::CertificateUntrusted,
            Topic::CertificateOther,
            Topic::RemoteTransient,
            Topic::RemotePermanent,
            Topic::Other,
        ];
        for language in Language::ALL {
            for topic in topics {
                let advice = words(language).advice(topic);
                assert!(
                    !advice.causes.is_empty() && !advice.actions.is_empty(),
                    "{topic:?}"
                );
            }
        }
    }
}
