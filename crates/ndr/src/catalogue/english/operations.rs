//! The English words for what administrators do: fix previews, trace
//! events and audited actions.

use super::English;
use crate::catalogue::operations::action_name;
use crate::catalogue::{AuditAction, Catalogue, FixChange, FixWords, OperationsCatalogue};
use mailflow_core::{DomainType, Event, EventKind, RouteReason};

impl OperationsCatalogue for English {
    fn fix_words(&self, change: &FixChange) -> FixWords {
        let (summary, risk, undo) = match *change {
            FixChange::StopRelaying {
                connector,
                domains,
                bounced,
                also_disable,
            } => (
                format!(
                    "{} become authoritative: recipients not in the directory are refused at RCPT with 550 5.1.10, and {} not in the directory are failed now with an NDR{}.",
                    domains.join(", "),
                    recipients(bounced, "queued "),
                    if also_disable {
                        format!("; {connector} is disabled")
                    } else {
                        String::new()
                    }
                ),
                "If the directory is missing real mailboxes of the on-premises server, mail to them is refused or bounced as if they did not exist. Mail to known recipients stays queued for the connector.".to_string(),
                "Undo makes the domains internal relay again (and enables the connector); mail bounced by the fix stays bounced.".to_string(),
            ),
            FixChange::Disable { connector } => (
                format!("{connector} is disabled: no mail goes to it."),
                format!(
                    "Queued mail for {connector} waits until it expires (then its senders get an NDR) or is bounced; new mail for the accepted domains it carries is refused with a temporary 451 4.4.0, and senders' servers retry."
                ),
                format!("Undo enables {connector} again; waiting mail is delivered at its next retry."),
            ),
            FixChange::LowerTls { connector } => (
                format!("{connector} keeps encrypting but stops checking the server's certificate."),
                "Security trade-off: anyone able to intercept the connection can pose as the server and read the mail, because the certificate is no longer checked. Prefer fixing the certificate; use this until it is fixed.".to_string(),
                format!("Undo puts {connector}'s certificate checks back."),
            ),
            FixChange::AllowWithoutTls { connector } => (
                format!("{connector} uses STARTTLS when offered and sends unencrypted when it is not."),
                "Security trade-off: mail to this server may cross the network unencrypted, readable and changeable by anyone on the path. Prefer enabling STARTTLS on the server.".to_string(),
                format!("Undo makes {connector} require TLS again."),
            ),
            FixChange::RetryNow {
                connector,
                recipients: count,
            } => (
                format!(
                    "{} of {connector} are tried now, and its next hops' waits are lifted.",
                    recipients(count, "queued ")
                ),
                "None; if the next hop still fails, the wait starts again.".to_string(),
                "Cannot be undone (nothing to undo).".to_string(),
            ),
            FixChange::Suspend {
                connector,
                recipients: count,
            } => (
                format!(
                    "{} of {connector} are suspended: nothing is tried until they are resumed.",
                    recipients(count, "queued ")
                ),
                "Suspended mail still expires at its expiration time, and then its senders get an NDR.".to_string(),
                "Undo resumes them.".to_string(),
            ),
            FixChange::Resume {
                connector,
                recipients: count,
            } => (
                format!(
                    "{} of {connector} are queued again, due now or when the next hop's wait after failures ends (retry now lifts it).",
                    recipients(count, "suspended ")
                ),
                "None.".to_string(),
                "Undo suspends them again.".to_string(),
            ),
            FixChange::BounceAll {
                connector,
                recipients: count,
            } => (
                format!(
                    "{} of {connector} are failed now with 5.3.0 (bounced by an administrator), with an NDR to their senders.",
                    recipients(count, "waiting ")
                ),
                "The mail is returned to its senders and will not be delivered.".to_string(),
                "Cannot be undone: bounced mail stays bounced.".to_string(),
            ),
            FixChange::BounceMessage {
                connector,
                message,
                recipients: count,
            } => (
                format!(
                    "Message {message} makes the server of {connector} drop the connection during its data: its {} on {connector} are failed now with that error, with an NDR to its sender.",
                    recipients(count, "waiting ")
                ),
                "The message is returned to its sender and will not be delivered; the rest of the queue is not touched.".to_string(),
                "Cannot be undone: bounced mail stays bounced.".to_string(),
            ),
        };
        FixWords {
            summary,
            risk,
            undo,
        }
    }

    fn event_summary(&self, event: &Event) -> String {
        match &event.kind {
            EventKind::Received {
                sender,
                recipients: count,
                size,
                client,
            } => {
                let sender = if sender.is_empty() { "<>" } else { sender };
                format!(
                    "Received from {client}: sender {sender}, {}, {size} bytes.",
                    recipients(*count as u64, "")
                )
            }
            EventKind::Routed { reason } => {
                let via = match (&event.connector, &event.next_hop) {
                    (Some(connector), Some(hop)) => {
                        format!("connector {connector}, next hop {hop}")
                    }
                    (None, Some(hop)) => format!("next hop {hop}"),
                    _ => "its next hop".to_string(),
                };
                let why = match reason {
                    RouteReason::AcceptedDomain {
                        domain,
                        domain_type: DomainType::Authoritative,
                    } => format!("accepted domain {domain} (authoritative)"),
                    RouteReason::AcceptedDomain {
                        domain,
                        domain_type: DomainType::InternalRelay,
                    } => format!("accepted domain {domain} (internal relay)"),
                    RouteReason::PartnerDomain { domain } => {
                        format!("a partner connector's domain matches {domain}")
                    }
                    RouteReason::Mx { domain } => format!("the MX of {domain}"),
                };
                format!("Routed to {via}, because of {why}.")
            }
            EventKind::Attempt { results } => match results.len() {
                1 => "Attempt: 1 address tried.".to_string(),
                n => format!("Attempt: {n} addresses tried."),
            },
            EventKind::Delivered { reply, .. } => format!("Delivered: {reply}"),
            EventKind::Deferred {
                diagnosis,
                next_attempt_at,
            } => format!(
                "Deferred: {}. Next attempt {}.",
                diagnosis.reply(),
                self.time(*next_attempt_at)
            ),
            EventKind::Failed { diagnosis } => format!("Failed: {}", diagnosis.reply()),
            EventKind::DelayNoticeSent => "Delay notice sent to the sender.".to_string(),
            EventKind::Recovered { node } => {
                format!(
                    "Queued again: node {node} stopped before the outcome was recorded; if its delivery got through, this recipient gets the message twice."
                )
            }
            EventKind::NdrSent { ndr_id } => {
                format!("Non-delivery report {ndr_id} sent to the sender.")
            }
            EventKind::Operator { action, actor } => {
                format!("{actor}: {}", action_name(self, action))
            }
        }
    }

    fn action(&self, action: AuditAction) -> &'static str {
        match action {
            AuditAction::ConnectorAdd => "Connector added",
            AuditAction::ConnectorEdit => "Connector changed",
            AuditAction::ConnectorRemove => "Connector removed",
            AuditAction::ConnectorEnable => "Connector enabled",
            AuditAction::ConnectorDisable => "Connector disabled",
            AuditAction::OrgApply => "Settings applied",
            AuditAction::DomainAdd => "Accepted domain added",
            AuditAction::DomainEdit => "Accepted domain changed",
            AuditAction::DomainRemove => "Accepted domain removed",
            AuditAction::DirectoryAdd => "Recipients added to the directory",
            AuditAction::DirectoryRemove => "Recipients removed from the directory",
            AuditAction::DirectoryImport => "Directory imported",
            AuditAction::UserAdd => "User added",
            AuditAction::UserPassword => "User's password changed",
            AuditAction::UserRemove => "User removed",
            AuditAction::TokenCreate => "API token created",
            AuditAction::TokenRevoke => "API token revoked",
            AuditAction::AlertSettingsEdit => "Alert settings changed",
            AuditAction::AlertRulesSet => "Connector's alert rules set",
            AuditAction::AlertRulesClear => "Connector's alert rules cleared",
            AuditAction::StopRelaying => "Stop relaying to on-premises",
            AuditAction::StopRelayingAndDisable => {
                "Stop relaying to on-premises and disable the connector"
            }
            AuditAction::Disable => "Disable the connector",
            AuditAction::LowerTls => "Encrypt without checking the certificate",
            AuditAction::AllowWithoutTls => "Allow delivery without TLS",
            AuditAction::Retry => "Retry now",
            AuditAction::Suspend => "Suspend",
            AuditAction::Resume => "Resume",
            AuditAction::BounceAll => "Bounce all waiting mail",
            AuditAction::BounceMessage => "Bounce the message",
            AuditAction::MessageRetry => "Message retried now",
            AuditAction::MessageSuspend => "Message suspended",
            AuditAction::MessageResume => "Message resumed",
            AuditAction::MessageBounce => "Message bounced",
            AuditAction::MessageDelete => "Message deleted",
            AuditAction::QueueRetry => "Queue retried now",
            AuditAction::QueueSuspend => "Queue suspended",
            AuditAction::QueueResume => "Queue resumed",
            AuditAction::QueueBounce => "Queue bounced",
            AuditAction::QueueDelete => "Queue deleted",
            AuditAction::Delete => "Deleted",
        }
    }

    fn undo_of(&self, name: &str) -> String {
        format!("Undo: {name}")
    }

    fn failed_by_operator(&self, code: &str) -> String {
        format!("Failed with {code}")
    }
}

/// "1 queued recipient", "3 queued recipients".
fn recipients(count: u64, adjective: &str) -> String {
    match count {
        1 => format!("1 {adjective}recipient"),
        n => format!("{n} {adjective}recipients"),
    }
}
