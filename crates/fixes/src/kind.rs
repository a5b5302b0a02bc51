//! The fix actions and operator queue actions, and their stable ids
//! (`verb:connector`, e.g. `stop-relaying:to-onprem`) by which the API and
//! the CLI name them and the audit log records them.

use crate::FixError;
use mailflow_core::MessageId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FixKind {
    /// The connector's internal-relay domains become authoritative; queued
    /// mail to recipients not in the directory is bounced with `5.1.10`.
    StopRelayingToOnPremises {
        connector: String,
        also_disable: bool,
    },
    DisableConnector {
        connector: String,
    },
    /// `verify_ca`/`verify_name` -> `required`.
    LowerTlsToEncryptionOnly {
        connector: String,
    },
    /// A policy that requires TLS -> `opportunistic`.
    AllowDeliveryWithoutTls {
        connector: String,
    },
    RetryNow {
        connector: String,
    },
    Suspend {
        connector: String,
    },
    Resume {
        connector: String,
    },
    BounceAll {
        connector: String,
    },
    /// One message's waiting recipients on the connector are failed with
    /// their last error: the message that makes the next hop drop the
    /// connection during its data.
    BounceMessage {
        connector: String,
        message: MessageId,
    },
}

impl FixKind {
    /// Every verb of an id, in the order fixes are listed. `bounce-message`
    /// names a message too: `bounce-message:CONNECTOR:MESSAGE-ID`.
    pub const VERBS: [&'static str; 10] = [
        "stop-relaying",
        "stop-relaying-and-disable",
        "disable",
        "lower-tls",
        "allow-without-tls",
        "retry",
        "suspend",
        "resume",
        "bounce-all",
        "bounce-message",
    ];

    pub fn connector(&self) -> &str {
        match self {
            FixKind::StopRelayingToOnPremises { connector, .. }
            | FixKind::DisableConnector { connector }
            | FixKind::LowerTlsToEncryptionOnly { connector }
            | FixKind::AllowDeliveryWithoutTls { connector }
            | FixKind::RetryNow { connector }
            | FixKind::Suspend { connector }
            | FixKind::Resume { connector }
            | FixKind::BounceAll { connector }
            | FixKind::BounceMessage { connector, .. } => connector,
        }
    }

    /// The first part of the id; the audit log's `action`.
    pub fn verb(&self) -> &'static str {
        match self {
            FixKind::StopRelayingToOnPremises {
                also_disable: false,
                ..
            } => "stop-relaying",
            FixKind::StopRelayingToOnPremises {
                also_disable: true, ..
            } => "stop-relaying-and-disable",
            FixKind::DisableConnector { .. } => "disable",
            FixKind::LowerTlsToEncryptionOnly { .. } => "lower-tls",
            FixKind::AllowDeliveryWithoutTls { .. } => "allow-without-tls",
            FixKind::RetryNow { .. } => "retry",
            FixKind::Suspend { .. } => "suspend",
            FixKind::Resume { .. } => "resume",
            FixKind::BounceAll { .. } => "bounce-all",
            FixKind::BounceMessage { .. } => "bounce-message",
        }
    }

    pub fn id(&self) -> String {
        format!("{}:{}", self.verb(), self.target())
    }

    /// The id without its verb: the connector, and the message for
    /// `bounce-message`; the audit log's `target`.
    pub fn target(&self) -> String {
        match self {
            FixKind::BounceMessage { connector, message } => format!("{connector}:{message}"),
            other => other.connector().to_string(),
        }
    }

    /// Changes the organisation's settings (rather than the queue).
    pub fn changes_settings(&self) -> bool {
        matches!(
            self,
            FixKind::StopRelayingToOnPremises { .. }
                | FixKind::DisableConnector { .. }
                | FixKind::LowerTlsToEncryptionOnly { .. }
                | FixKind::AllowDeliveryWithoutTls { .. }
        )
    }

    /// The kind from its verb and target (see `target`).
    pub fn from_parts(verb: &str, target: &str) -> Option<FixKind> {
        if verb == "bounce-message" {
            let (connector, message) = target.rsplit_once(':')?;
            let message = message.parse().ok()?;
            return (!connector.is_empty()).then(|| FixKind::BounceMessage {
                connector: connector.to_string(),
                message,
            });
        }
        let connector = target.to_string();
        Some(match verb {
            "stop-relaying" => FixKind::StopRelayingToOnPremises {
                connector,
                also_disable: false,
            },
            "stop-relaying-and-disable" => FixKind::StopRelayingToOnPremises {
                connector,
                also_disable: true,
            },
            "disable" => FixKind::DisableConnector { connector },
            "lower-tls" => FixKind::LowerTlsToEncryptionOnly { connector },
            "allow-without-tls" => FixKind::AllowDeliveryWithoutTls { connector },
            "retry" => FixKind::RetryNow { connector },
            "suspend" => FixKind::Suspend { connector },
            "resume" => FixKind::Resume { connector },
            "bounce-all" => FixKind::BounceAll { connector },
            _ => return None,
        })
    }
}

impl fmt::Display for FixKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

impl FromStr for FixKind {
    type Err = FixError;

    /// `verb:connector` (`bounce-message:connector:message`); the connector
    /// name is everything after the first `:` (and before the message id).
    fn from_str(id: &str) -> Result<Self, Self::Err> {
        id.split_once(':')
            .filter(|(_, connector)| !connector.is_empty())
            .and_then(|(verb, connector)| FixKind::from_parts(verb, connector))
            .ok_or_else(|| FixError::UnknownFix { id: id.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_connector_names_may_hold_colons() {
        let message = MessageId::new();
        for verb in FixKind::VERBS {
            let target = match verb {
                "bounce-message" => format!("to:onprem:{message}"),
                _ => "to:onprem".to_string(),
            };
            let kind = FixKind::from_parts(verb, &target).unwrap();
            assert_eq!(kind.id(), format!("{verb}:{target}"));
            assert_eq!(kind.connector(), "to:onprem");
            assert_eq!(kind.id().parse::<FixKind>().unwrap(), kind);
        }
    }

    #[test]
    fn unknown_verbs_and_missing_connectors_are_refused_naming_the_id() {
        for id in [
            "reboot:to-onprem",
            "retry:",
            "retry",
            "",
            "bounce-message:to-onprem",
            "bounce-message:to-onprem:not-an-id",
        ] {
            match id.parse::<FixKind>() {
                Err(FixError::UnknownFix { id: named }) => assert_eq!(named, id),
                other => panic!("{id:?} gave {other:?}"),
            }
        }
    }
}
