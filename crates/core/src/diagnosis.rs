//! The one diagnosis type (SPEC section 3).
//!
//! A `Diagnosis` is made where a failure is seen — the resolver, the socket,
//! the TLS handshake, the SMTP reply — and carried unchanged to the queue, the
//! insight, the alert, the API, the logs and the NDR. Nothing downstream ever
//! parses a failure back out of a string: code, category and detail are all
//! derived here, from the typed value.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;

/// An RFC 3463 enhanced status code, e.g. `4.4.316`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EnhancedCode(pub u8, pub u16, pub u16);

impl EnhancedCode {
    pub fn is_permanent(self) -> bool {
        self.0 == 5
    }

    pub fn parse(text: &str) -> Option<EnhancedCode> {
        let mut parts = text.splitn(3, '.');
        let class: u8 = parts.next()?.parse().ok()?;
        let subject: u16 = parts.next()?.parse().ok()?;
        let detail: u16 = parts.next()?.parse().ok()?;
        matches!(class, 2 | 4 | 5).then_some(EnhancedCode(class, subject, detail))
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// A reply from a remote SMTP server, kept as it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteReply {
    pub code: u16,
    pub enhanced: Option<EnhancedCode>,
    /// The reply's text; lines of a multi-line reply are joined with a space.
    pub text: String,
}

impl RemoteReply {
    pub fn is_permanent(&self) -> bool {
        self.code >= 500
    }
}

impl fmt::Display for RemoteReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.enhanced {
            Some(code) => write!(f, "{} {} {}", self.code, code, self.text),
            None => write!(f, "{} {}", self.code, self.text),
        }
    }
}

/// How far one attempt to one address got. Ordered: the furthest stage wins
/// when several addresses were tried (SPEC section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Dns,
    Connect,
    Greeting,
    Ehlo,
    #[serde(rename = "starttls")]
    StartTls,
    Mail,
    Rcpt,
    Data,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Dns => "dns",
            Stage::Connect => "connect",
            Stage::Greeting => "greeting",
            Stage::Ehlo => "ehlo",
            Stage::StartTls => "starttls",
            Stage::Mail => "mail",
            Stage::Rcpt => "rcpt",
            Stage::Data => "data",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DnsRecordType {
    Mx,
    A,
    Aaaa,
}

impl fmt::Display for DnsRecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DnsRecordType::Mx => "MX",
            DnsRecordType::A => "A",
            DnsRecordType::Aaaa => "AAAA",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "message")]
pub enum DnsOutcome {
    NxDomain,
    ServFail,
    Refused,
    TimedOut,
    /// The name exists but has no records of the asked type (nor a usable fallback).
    NoRecords,
    Other(String),
}

impl fmt::Display for DnsOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DnsOutcome::NxDomain => f.write_str("NXDOMAIN"),
            DnsOutcome::ServFail => f.write_str("SERVFAIL"),
            DnsOutcome::Refused => f.write_str("REFUSED"),
            DnsOutcome::TimedOut => f.write_str("time-out"),
            DnsOutcome::NoRecords => f.write_str("no records"),
            DnsOutcome::Other(message) => f.write_str(message),
        }
    }
}

/// Why a connected server could not take mail (`4.4.317`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ServerRefusal {
    /// The greeting was an error reply (e.g. `421`, `554`).
    Greeting { reply: RemoteReply },
    /// Both EHLO and HELO were rejected.
    Ehlo { reply: RemoteReply },
    /// The connector requires TLS and the server did not offer STARTTLS.
    StartTlsNotOffered,
    /// The server answered STARTTLS with an error.
    StartTlsRefused { reply: RemoteReply },
    /// The handshake failed for a reason other than the certificate.
    TlsHandshake { reason: String },
}

/// Where in the conversation the connection broke (`4.4.318`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropStage {
    BeforeGreeting,
    AfterGreeting,
    AfterEhlo,
    DuringTls,
    AfterMail,
    AfterRcpt,
    DuringData,
    /// After the final dot, before the final reply: the message may have been
    /// received twice if it is sent again.
    AfterFinalDot,
}

impl fmt::Display for DropStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropStage::BeforeGreeting => "before the greeting",
            DropStage::AfterGreeting => "after the greeting",
            DropStage::AfterEhlo => "after EHLO",
            DropStage::DuringTls => "during the TLS handshake",
            DropStage::AfterMail => "after MAIL FROM",
            DropStage::AfterRcpt => "after RCPT TO",
            DropStage::DuringData => "during DATA",
            DropStage::AfterFinalDot => {
                "after the final dot, before the final reply (the message may have been received)"
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropKind {
    /// The far side closed the connection.
    Closed,
    /// The connection was reset.
    Reset,
    /// The server stopped answering within the command time-out.
    NoReply,
}

impl fmt::Display for DropKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropKind::Closed => "closed by the server",
            DropKind::Reset => "reset by the server",
            DropKind::NoReply => "no reply within the command time-out",
        })
    }
}

/// What was wrong with a server's certificate (`4.7.320`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum CertProblem {
    Expired,
    NotYetValid,
    NameMismatch {
        expected: String,
        presented: Vec<String>,
    },
    UntrustedIssuer,
    Revoked,
    BadSignature,
    Other {
        message: String,
    },
}

impl CertProblem {
    pub fn reason(&self) -> &'static str {
        match self {
            CertProblem::Expired => "expired",
            CertProblem::NotYetValid => "not_yet_valid",
            CertProblem::NameMismatch { .. } => "name_mismatch",
            CertProblem::UntrustedIssuer => "untrusted_issuer",
            CertProblem::Revoked => "revoked",
            CertProblem::BadSignature => "bad_signature",
            CertProblem::Other { .. } => "other",
        }
    }
}

/// What the presented certificate said about itself, for the detail string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    pub subject: String,
    pub issuer: String,
    /// RFC 3339, as the certificate says (the detail writes it for people).
    pub not_before: String,
    pub not_after: String,
}

/// The category names of SPEC section 3, as they appear in the API and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    DnsQueryFailed,
    ConnectionTimedOut,
    ConnectionRefused,
    RemoteServerError,
    ConnectionDropped,
    CertificateInvalid,
    RemoteTransient,
    RemotePermanent,
    Expired,
    LoopDetected,
    RecipientNotFound,
    DomainNotFound,
    NullMx,
    LocalError,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::DnsQueryFailed => "dns_query_failed",
            Category::ConnectionTimedOut => "connection_timed_out",
            Category::ConnectionRefused => "connection_refused",
            Category::RemoteServerError => "remote_server_error",
            Category::ConnectionDropped => "connection_dropped",
            Category::CertificateInvalid => "certificate_invalid",
            Category::RemoteTransient => "remote_transient",
            Category::RemotePermanent => "remote_permanent",
            Category::Expired => "expired",
            Category::LoopDetected => "loop_detected",
            Category::RecipientNotFound => "recipient_not_found",
            Category::DomainNotFound => "domain_not_found",
            Category::NullMx => "null_mx",
            Category::LocalError => "local_error",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The diagnosis of one failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "category")]
pub enum Diagnosis {
    /// `450 4.4.312`
    DnsQueryFailed {
        name: String,
        record: DnsRecordType,
        outcome: DnsOutcome,
    },
    /// `450 4.4.315`: every address:port tried.
    ConnectionTimedOut { tried: Vec<SocketAddr> },
    /// `450 4.4.316`
    ConnectionRefused { addr: SocketAddr },
    /// `450 4.4.317`
    RemoteServerError { refusal: ServerRefusal },
    /// `450 4.4.318`
    ConnectionDropped { stage: DropStage, how: DropKind },
    /// `450 4.7.320`
    CertificateInvalid {
        problem: CertProblem,
        certificate: CertificateSummary,
    },
    /// The server answered MAIL, RCPT or DATA with 4xx.
    RemoteTransient { stage: Stage, reply: RemoteReply },
    /// The server answered MAIL, RCPT or DATA with 5xx.
    RemotePermanent { stage: Stage, reply: RemoteReply },
    /// `4.4.7`: the message outlived its expiration; carries the last error.
    Expired { last: Option<Box<Diagnosis>> },
    /// `554 5.4.6`: too many `Received:` headers.
    LoopDetected { hops: usize },
    /// `550 5.1.10`: the directory has no such recipient.
    RecipientNotFound { address: String },
    /// `550 5.4.310`: MX routing without a connector, the domain does not exist.
    DomainNotFound { domain: String },
    /// `556 5.1.10`: the domain publishes a null MX: it accepts no mail.
    NullMx { domain: String },
    /// Anything else, with the closest standard enhanced code.
    Local {
        reply_code: u16,
        code: EnhancedCode,
        detail: String,
    },
}

impl Diagnosis {
    pub fn category(&self) -> Category {
        match self {
            Diagnosis::DnsQueryFailed { .. } => Category::DnsQueryFailed,
            Diagnosis::ConnectionTimedOut { .. } => Category::ConnectionTimedOut,
            Diagnosis::ConnectionRefused { .. } => Category::ConnectionRefused,
            Diagnosis::RemoteServerError { .. } => Category::RemoteServerError,
            Diagnosis::ConnectionDropped { .. } => Category::ConnectionDropped,
            Diagnosis::CertificateInvalid { .. } => Category::CertificateInvalid,
            Diagnosis::RemoteTransient { .. } => Category::RemoteTransient,
            Diagnosis::RemotePermanent { .. } => Category::RemotePermanent,
            Diagnosis::Expired { .. } => Category::Expired,
            Diagnosis::LoopDetected { .. } => Category::LoopDetected,
            Diagnosis::RecipientNotFound { .. } => Category::RecipientNotFound,
            Diagnosis::DomainNotFound { .. } => Category::DomainNotFound,
            Diagnosis::NullMx { .. } => Category::NullMx,
            Diagnosis::Local { .. } => Category::LocalError,
        }
    }

    /// The enhanced status code. Remote replies keep the server's own code;
    /// one without an enhanced code gets the generic `4.0.0` / `5.0.0`.
    pub fn code(&self) -> EnhancedCode {
        match self {
            Diagnosis::DnsQueryFailed { .. } => EnhancedCode(4, 4, 312),
            Diagnosis::ConnectionTimedOut { .. } => EnhancedCode(4, 4, 315),
            Diagnosis::ConnectionRefused { .. } => EnhancedCode(4, 4, 316),
            Diagnosis::RemoteServerError { .. } => EnhancedCode(4, 4, 317),
            Diagnosis::ConnectionDropped { .. } => EnhancedCode(4, 4, 318),
            Diagnosis::CertificateInvalid { .. } => EnhancedCode(4, 7, 320),
            Diagnosis::RemoteTransient { reply, .. } => {
                reply.enhanced.unwrap_or(EnhancedCode(4, 0, 0))
            }
            Diagnosis::RemotePermanent { reply, .. } => {
                reply.enhanced.unwrap_or(EnhancedCode(5, 0, 0))
            }
            Diagnosis::Expired { .. } => EnhancedCode(4, 4, 7),
            Diagnosis::LoopDetected { .. } => EnhancedCode(5, 4, 6),
            Diagnosis::RecipientNotFound { .. } => EnhancedCode(5, 1, 10),
            Diagnosis::DomainNotFound { .. } => EnhancedCode(5, 4, 310),
            Diagnosis::NullMx { .. } => EnhancedCode(5, 1, 10),
            Diagnosis::Local { code, .. } => *code,
        }
    }

    /// The basic SMTP reply code that goes with the diagnosis.
    pub fn reply_code(&self) -> u16 {
        match self {
            Diagnosis::RemoteTransient { reply, .. } | Diagnosis::RemotePermanent { reply, .. } => {
                reply.code
            }
            Diagnosis::Expired { .. } => 450,
            Diagnosis::LoopDetected { .. } => 554,
            Diagnosis::RecipientNotFound { .. } | Diagnosis::DomainNotFound { .. } => 550,
            Diagnosis::NullMx { .. } => 556,
            Diagnosis::Local { reply_code, .. } => *reply_code,
            _ => 450,
        }
    }

    /// A failure that will not get better by retrying.
    pub fn is_permanent(&self) -> bool {
        match self {
            Diagnosis::RemotePermanent { .. }
            | Diagnosis::Expired { .. }
            | Diagnosis::LoopDetected { .. }
            | Diagnosis::RecipientNotFound { .. }
            | Diagnosis::DomainNotFound { .. }
            | Diagnosis::NullMx { .. } => true,
            Diagnosis::Local { reply_code, .. } => *reply_code >= 500,
            _ => false,
        }
    }

    /// A failure of the next hop as a whole rather than of one recipient or
    /// message: the whole queue for that next hop waits and is probed. A
    /// connection dropped once the message's data had started is not one
    /// (see `is_data_stage_drop`).
    pub fn is_connection_level(&self) -> bool {
        match self {
            Diagnosis::ConnectionDropped { .. } => !self.is_data_stage_drop(),
            _ => matches!(
                self,
                Diagnosis::DnsQueryFailed { .. }
                    | Diagnosis::ConnectionTimedOut { .. }
                    | Diagnosis::ConnectionRefused { .. }
                    | Diagnosis::RemoteServerError { .. }
                    | Diagnosis::CertificateInvalid { .. }
            ),
        }
    }

    /// The connection broke while the message's data was being sent or
    /// while its final reply was awaited: the server got as far as the
    /// message itself, so the failure counts against the message, not the
    /// next hop (one message must not stall the whole queue).
    pub fn is_data_stage_drop(&self) -> bool {
        matches!(
            self,
            Diagnosis::ConnectionDropped {
                stage: DropStage::DuringData | DropStage::AfterFinalDot,
                ..
            }
        )
    }

    /// The detail string: what exactly went wrong, with the evidence.
    pub fn detail(&self) -> String {
        match self {
            Diagnosis::DnsQueryFailed {
                name,
                record,
                outcome,
            } => {
                format!("{record} lookup for {name} failed: {outcome}")
            }
            Diagnosis::ConnectionTimedOut { tried } => {
                let tried: Vec<String> = tried.iter().map(ToString::to_string).collect();
                format!(
                    "no answer to connect within the time-out from {}",
                    tried.join(", ")
                )
            }
            Diagnosis::ConnectionRefused { addr } => format!("connection refused by {addr}"),
            Diagnosis::RemoteServerError { refusal } => match refusal {
                ServerRefusal::Greeting { reply } => {
                    format!("the server greeted with an error: {reply}")
                }
                ServerRefusal::Ehlo { reply } => {
                    format!("the server rejected EHLO and HELO: {reply}")
                }
                ServerRefusal::StartTlsNotOffered => {
                    "TLS is required and the server did not offer STARTTLS".to_string()
                }
                ServerRefusal::StartTlsRefused { reply } => {
                    format!("TLS is required and the server refused STARTTLS: {reply}")
                }
                ServerRefusal::TlsHandshake { reason } => {
                    format!("the TLS handshake failed: {reason}")
                }
            },
            Diagnosis::ConnectionDropped { stage, how } => format!("connection {how} {stage}"),
            Diagnosis::CertificateInvalid {
                problem,
                certificate,
            } => {
                let what = match problem {
                    CertProblem::NameMismatch {
                        expected,
                        presented,
                    } => format!(
                        "name_mismatch: expected {expected}, the certificate names {}",
                        if presented.is_empty() {
                            "nothing".to_string()
                        } else {
                            presented.join(", ")
                        }
                    ),
                    CertProblem::Other { message } => format!("other: {message}"),
                    other => other.reason().to_string(),
                };
                format!(
                    "certificate {what}; subject {}; issuer {}; valid from {} to {}",
                    certificate.subject,
                    certificate.issuer,
                    crate::time_format::text_from_json(&certificate.not_before),
                    crate::time_format::text_from_json(&certificate.not_after)
                )
            }
            Diagnosis::RemoteTransient { stage, reply }
            | Diagnosis::RemotePermanent { stage, reply } => {
                format!(
                    "the server answered {} with {reply}",
                    stage.as_str().to_uppercase()
                )
            }
            Diagnosis::Expired { last } => match last {
                Some(last) => format!(
                    "the message could not be delivered before it expired; last error: {} {}",
                    last.code(),
                    last.detail()
                ),
                None => "the message could not be delivered before it expired".to_string(),
            },
            Diagnosis::LoopDetected { hops } => {
                format!("mail loop: the message already passed {hops} hops (Received: headers)")
            }
            Diagnosis::RecipientNotFound { address } => {
                format!("{address} is not a known recipient of this organisation")
            }
            Diagnosis::DomainNotFound { domain } => format!("the domain {domain} does not exist"),
            Diagnosis::NullMx { domain } => {
                format!("the domain {domain} publishes a null MX: it accepts no mail")
            }
            Diagnosis::Local { detail, .. } => detail.clone(),
        }
    }

    /// The whole reply line, e.g. `450 4.4.316 connection refused by 127.0.0.1:25`.
    /// Remote replies are given exactly as they came.
    pub fn reply(&self) -> String {
        match self {
            Diagnosis::RemoteTransient { reply, .. } | Diagnosis::RemotePermanent { reply, .. } => {
                reply.to_string()
            }
            other => format!("{} {} {}", other.reply_code(), other.code(), other.detail()),
        }
    }

    /// The diagnosis a remote reply to MAIL, RCPT or DATA gives.
    pub fn from_reply(stage: Stage, reply: RemoteReply) -> Diagnosis {
        if reply.is_permanent() {
            Diagnosis::RemotePermanent { stage, reply }
        } else {
            Diagnosis::RemoteTransient { stage, reply }
        }
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reply())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_connection_level_code_matches_the_spec_table() {
        let addr: SocketAddr = "127.0.0.1:25".parse().unwrap();
        let cases = [
            (
                Diagnosis::DnsQueryFailed {
                    name: "mail.contoso.test".into(),
                    record: DnsRecordType::A,
                    outcome: DnsOutcome::NxDomain,
                },
                "4.4.312",
                "dns_query_failed",
            ),
            (
                Diagnosis::ConnectionTimedOut { tried: vec![addr] },
                "4.4.315",
                "connection_timed_out",
            ),
            (
                Diagnosis::ConnectionRefused { addr },
                "4.4.316",
                "connection_refused",
            ),
            (
                Diagnosis::RemoteServerError {
                    refusal: ServerRefusal::StartTlsNotOffered,
                },
                "4.4.317",
                "remote_server_error",
            ),
            (
                Diagnosis::ConnectionDropped {
                    stage: DropStage::AfterRcpt,
                    how: DropKind::Closed,
                },
                "4.4.318",
                "connection_dropped",
            ),
            (
                Diagnosis::CertificateInvalid {
                    problem: CertProblem::Expired,
                    certificate: CertificateSummary::default(),
                },
                "4.7.320",
                "certificate_invalid",
            ),
        ];
        for (diagnosis, code, category) in cases {
            assert_eq!(diagnosis.code().to_string(), code);
            assert_eq!(diagnosis.category().as_str(), category);
            assert_eq!(diagnosis.reply_code(), 450);
            assert!(diagnosis.is_connection_level());
            assert!(!diagnosis.is_permanent());
            assert!(diagnosis.reply().starts_with(&format!("450 {code} ")));
        }
    }

    #[test]
    fn a_drop_once_the_data_started_counts_against_the_message_not_the_hop() {
        for stage in [DropStage::DuringData, DropStage::AfterFinalDot] {
            let diagnosis = Diagnosis::ConnectionDropped {
                stage,
                how: DropKind::Closed,
            };
            assert!(diagnosis.is_data_stage_drop(), "{stage}");
            assert!(!diagnosis.is_connection_level(), "{stage}");
            assert_eq!(diagnosis.code().to_string(), "4.4.318");
        }
        for stage in [
            DropStage::BeforeGreeting,
            DropStage::AfterGreeting,
            DropStage::AfterEhlo,
            DropStage::DuringTls,
            DropStage::AfterMail,
            DropStage::AfterRcpt,
        ] {
            let diagnosis = Diagnosis::ConnectionDropped {
                stage,
                how: DropKind::Reset,
            };
            assert!(!diagnosis.is_data_stage_drop(), "{stage}");
            assert!(diagnosis.is_connection_level(), "{stage}");
        }
    }

    #[test]
    fn certificate_dates_read_as_text_in_the_detail() {
        let diagnosis = Diagnosis::CertificateInvalid {
            problem: CertProblem::Expired,
            certificate: CertificateSummary {
                subject: "CN=mail.contoso.test".into(),
                issuer: "CN=Contoso CA".into(),
                not_before: "2025-01-01T00:00:00Z".into(),
                not_after: "2026-01-01T00:00:00Z".into(),
            },
        };
        assert!(
            diagnosis
                .detail()
                .ends_with("valid from 2025-01-01 00:00:00Z to 2026-01-01 00:00:00Z"),
            "{}",
            diagnosis.detail()
        );
    }

    #[test]
    fn remote_replies_are_kept_as_they_came() {
        let reply = RemoteReply {
            code: 550,
            enhanced: Some(EnhancedCode(5, 1, 1)),
            text: "no such user here".into(),
        };
        let diagnosis = Diagnosis::from_reply(Stage::Rcpt, reply);
        assert_eq!(diagnosis.reply(), "550 5.1.1 no such user here");
        assert!(diagnosis.is_permanent());
        assert_eq!(diagnosis.category(), Category::RemotePermanent);
    }

    #[test]
    fn a_diagnosis_survives_a_round_trip_through_json() {
        let diagnosis = Diagnosis::Expired {
            last: Some(Box::new(Diagnosis::ConnectionRefused {
                addr: "127.0.0.1:2526".parse().unwrap(),
            })),
        };
        let json = serde_json::to_string(&diagnosis).unwrap();
        assert_eq!(serde_json::from_str::<Diagnosis>(&json).unwrap(), diagnosis);
    }

    #[test]
    fn stages_order_from_dns_to_data() {
        assert!(Stage::Dns < Stage::Connect && Stage::Rcpt < Stage::Data);
    }

    #[test]
    fn stages_are_spelled_the_same_in_json_and_text() {
        for stage in [
            Stage::Dns,
            Stage::Connect,
            Stage::Greeting,
            Stage::Ehlo,
            Stage::StartTls,
            Stage::Mail,
            Stage::Rcpt,
            Stage::Data,
        ] {
            assert_eq!(
                serde_json::to_string(&stage).unwrap(),
                format!("\"{}\"", stage.as_str())
            );
        }
    }
}
