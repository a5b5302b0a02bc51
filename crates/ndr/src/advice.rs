//! Who has to act on a failure, and what they have to do.
//!
//! This is the judgement behind the human-readable part, kept apart from the
//! words: it decides from the typed diagnosis (and whether a connector was
//! involved) which of three parties can cure the problem. The catalogue then
//! says it in the reader's language.

use mailflow_core::{Diagnosis, EnhancedCode, ServerRefusal};

/// The party that can cure the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// The sender: a wrong address, a message too large.
    Sender,
    /// The administrators of the recipient's mail system.
    RecipientAdministrators,
    /// The administrators of this relay (its connectors, its routing).
    RelayAdministrators,
}

/// What is wrong with a connector, as far as its administrators need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectorProblem {
    NameDoesNotResolve,
    ServerUnreachable,
    ServerRefuses,
    ConnectionDrops,
    TlsUnavailable,
    CertificateInvalid,
}

/// The cure, for the catalogue to put into words.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Remedy {
    CheckAddress,
    CheckDomain,
    SendSmaller,
    AskRecipientToAllow,
    RecipientMakesRoom,
    FixRemoteServer,
    FixRemoteDns,
    FixRemoteCertificate,
    FixConnector {
        connector: String,
        problem: ConnectorProblem,
    },
    BreakLoop,
    CheckRelay,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Advice {
    pub actor: Actor,
    pub remedy: Remedy,
}

impl Remedy {
    /// The party a remedy calls on.
    pub fn actor(&self) -> Actor {
        match self {
            Remedy::CheckAddress | Remedy::CheckDomain | Remedy::SendSmaller => Actor::Sender,
            Remedy::AskRecipientToAllow
            | Remedy::RecipientMakesRoom
            | Remedy::FixRemoteServer
            | Remedy::FixRemoteDns
            | Remedy::FixRemoteCertificate => Actor::RecipientAdministrators,
            Remedy::FixConnector { .. } | Remedy::BreakLoop | Remedy::CheckRelay => {
                Actor::RelayAdministrators
            }
        }
    }
}

/// Decides who acts on `diagnosis` for a recipient routed through
/// `connector` (`None`: ordinary internet mail by MX).
pub fn advise(diagnosis: &Diagnosis, connector: Option<&str>) -> Advice {
    let remedy = remedy(diagnosis, connector);
    Advice {
        actor: remedy.actor(),
        remedy,
    }
}

fn remedy(diagnosis: &Diagnosis, connector: Option<&str>) -> Remedy {
    match diagnosis {
        Diagnosis::Expired { last } => expired_remedy(last.as_deref(), connector),
        Diagnosis::RemoteTransient { reply, .. } | Diagnosis::RemotePermanent { reply, .. } => {
            reply
                .enhanced
                .and_then(remedy_for_code)
                .unwrap_or(Remedy::FixRemoteServer)
        }
        Diagnosis::LoopDetected { .. } => Remedy::BreakLoop,
        Diagnosis::RecipientNotFound { .. } => Remedy::CheckAddress,
        Diagnosis::DomainNotFound { .. } | Diagnosis::NullMx { .. } => Remedy::CheckDomain,
        Diagnosis::Local { .. } => Remedy::CheckRelay,
        connection_level => match (connector, connector_problem(connection_level)) {
            (Some(connector), Some(problem)) => Remedy::FixConnector {
                connector: connector.to_string(),
                problem,
            },
            _ => remote_remedy_for_connection(connection_level),
        },
    }
}

/// An expired recipient is advised on by its last error; through a
/// connector, anything but a problem of the message or address itself is a
/// matter for the relay's administrators, whose connector kept failing.
fn expired_remedy(last: Option<&Diagnosis>, connector: Option<&str>) -> Remedy {
    let Some(last) = last else {
        return match connector {
            Some(connector) => Remedy::FixConnector {
                connector: connector.to_string(),
                problem: ConnectorProblem::ServerUnreachable,
            },
            None => Remedy::FixRemoteServer,
        };
    };
    let advice = remedy(last, connector);
    match (connector, advice.actor()) {
        (Some(connector), Actor::RecipientAdministrators) => Remedy::FixConnector {
            connector: connector.to_string(),
            problem: connector_problem(last).unwrap_or(ConnectorProblem::ServerRefuses),
        },
        _ => advice,
    }
}

/// Remote replies whose enhanced code says what is wrong (RFC 3463).
fn remedy_for_code(code: EnhancedCode) -> Option<Remedy> {
    match (code.1, code.2) {
        (1, 2) => Some(Remedy::CheckDomain),
        (1, 1) | (1, 3) | (1, 6) | (1, 10) => Some(Remedy::CheckAddress),
        (2, 2) => Some(Remedy::RecipientMakesRoom),
        (2, 3) | (3, 4) => Some(Remedy::SendSmaller),
        (7, _) => Some(Remedy::AskRecipientToAllow),
        _ => None,
    }
}

fn connector_problem(diagnosis: &Diagnosis) -> Option<ConnectorProblem> {
    Some(match diagnosis {
        Diagnosis::DnsQueryFailed { .. } => ConnectorProblem::NameDoesNotResolve,
        Diagnosis::ConnectionTimedOut { .. } | Diagnosis::ConnectionRefused { .. } => {
            ConnectorProblem::ServerUnreachable
        }
        Diagnosis::RemoteServerError { refusal } => match refusal {
            ServerRefusal::Greeting { .. } | ServerRefusal::Ehlo { .. } => {
                ConnectorProblem::ServerRefuses
            }
            ServerRefusal::StartTlsNotOffered
            | ServerRefusal::StartTlsRefused { .. }
            | ServerRefusal::TlsHandshake { .. } => ConnectorProblem::TlsUnavailable,
        },
        Diagnosis::ConnectionDropped { .. } => ConnectorProblem::ConnectionDrops,
        Diagnosis::CertificateInvalid { .. } => ConnectorProblem::CertificateInvalid,
        Diagnosis::RemoteTransient { .. } => ConnectorProblem::ServerRefuses,
        _ => return None,
    })
}

fn remote_remedy_for_connection(diagnosis: &Diagnosis) -> Remedy {
    match diagnosis {
        Diagnosis::DnsQueryFailed { .. } => Remedy::FixRemoteDns,
        Diagnosis::CertificateInvalid { .. } => Remedy::FixRemoteCertificate,
        _ => Remedy::FixRemoteServer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::{RemoteReply, Stage};

    fn rejected(code: EnhancedCode) -> Diagnosis {
        Diagnosis::from_reply(
            Stage::Rcpt,
            RemoteReply {
                code: 550,
                enhanced: Some(code),
                text: "no".into(),
            },
        )
    }

    #[test]
    fn an_unknown_mailbox_is_for_the_sender_to_fix() {
        let advice = advise(&rejected(EnhancedCode(5, 1, 1)), None);
        assert_eq!(
            advice,
            Advice {
                actor: Actor::Sender,
                remedy: Remedy::CheckAddress
            }
        );
    }

    #[test]
    fn a_policy_rejection_is_for_the_recipient_administrators() {
        let advice = advise(&rejected(EnhancedCode(5, 7, 1)), Some("partner"));
        assert_eq!(advice.actor, Actor::RecipientAdministrators);
    }

    #[test]
    fn a_refused_connection_through_a_connector_is_for_the_relay_administrators() {
        let refused = Diagnosis::ConnectionRefused {
            addr: "127.0.0.1:25".parse().unwrap(),
        };
        let advice = advise(&refused, Some("onprem"));
        assert_eq!(advice.actor, Actor::RelayAdministrators);
        assert_eq!(
            advice.remedy,
            Remedy::FixConnector {
                connector: "onprem".into(),
                problem: ConnectorProblem::ServerUnreachable
            }
        );
        assert_eq!(advise(&refused, None).actor, Actor::RecipientAdministrators);
    }

    #[test]
    fn expiry_through_a_connector_is_for_the_relay_administrators() {
        let last = rejected(EnhancedCode(4, 3, 0));
        let expired = Diagnosis::Expired {
            last: Some(Box::new(last)),
        };
        assert_eq!(
            advise(&expired, Some("onprem")).actor,
            Actor::RelayAdministrators
        );
        assert_eq!(advise(&expired, None).actor, Actor::RecipientAdministrators);
    }

    #[test]
    fn expiry_keeps_the_sender_as_actor_when_the_address_was_wrong() {
        let expired = Diagnosis::Expired {
            last: Some(Box::new(rejected(EnhancedCode(4, 1, 1)))),
        };
        assert_eq!(advise(&expired, Some("onprem")).actor, Actor::Sender);
    }
}
