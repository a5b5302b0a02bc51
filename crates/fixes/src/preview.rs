//! What a fix will do, shown before it is applied: which domains change,
//! which connector is disabled, the TLS policy before and after, how many
//! queued recipients it moves or bounces, and the trade-offs in plain words.

use crate::change::{SettingsChange, policy_name, settings_change};
use crate::waiting::WaitingMail;
use crate::{FixError, FixKind};
use mailflow_core::{DomainType, OrgSettings};
use mailflow_store::PendingRecipient;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainChange {
    pub domain: String,
    pub from: DomainType,
    pub to: DomainType,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsChange {
    pub connector: String,
    /// `opportunistic`, `required`, `verify_ca` or `verify_name`.
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixPreview {
    /// One sentence: what applying it does.
    pub summary: String,
    pub domain_changes: Vec<DomainChange>,
    /// The connector that will be disabled, if any.
    pub connector_disabled: Option<String>,
    pub tls_change: Option<TlsChange>,
    /// Queued recipients the action retries, suspends or resumes.
    pub recipients_affected: u64,
    /// Queued recipients that will be failed now, with an NDR to their senders.
    pub recipients_to_bounce: u64,
    /// The security and delivery trade-offs, in plain words.
    pub risk: String,
    /// What undo will (and will not) put back.
    pub undo: String,
}

/// The preview of `kind` against the settings and the waiting mail of its
/// connector.
pub fn preview(
    org: &OrgSettings,
    kind: &FixKind,
    waiting: &WaitingMail,
) -> Result<FixPreview, FixError> {
    if kind.changes_settings() {
        let change = settings_change(org, kind)?;
        return Ok(settings_preview(kind, &change, waiting));
    }
    if org.connector(kind.connector()).is_none() {
        return Err(FixError::NoSuchConnector {
            id: kind.id(),
            connector: kind.connector().to_string(),
        });
    }
    Ok(queue_preview(kind, waiting))
}

/// Whether a waiting recipient is in `domains` and unknown to the
/// directory: one that "stop relaying" bounces.
pub fn is_unknown(org: &OrgSettings, domains: &[String], recipient: &PendingRecipient) -> bool {
    let domain = recipient.address.rsplit_once('@').map_or("", |(_, d)| d);
    domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
        && !org.directory.contains(&recipient.address)
}

fn settings_preview(kind: &FixKind, change: &SettingsChange, waiting: &WaitingMail) -> FixPreview {
    let domain_changes: Vec<DomainChange> = change
        .before
        .accepted_domains
        .iter()
        .zip(&change.after.accepted_domains)
        .map(|(b, a)| DomainChange {
            domain: b.name.clone(),
            from: b.kind,
            to: a.kind,
        })
        .collect();
    let (before, after) = (
        change.before.connector.as_ref(),
        change.after.connector.as_ref(),
    );
    let connector_disabled = match (before, after) {
        (Some(b), Some(a)) if b.enabled && !a.enabled => Some(a.name.clone()),
        _ => None,
    };
    let tls_change = match (before, after) {
        (Some(b), Some(a)) if b.tls != a.tls => Some(TlsChange {
            connector: a.name.clone(),
            from: policy_name(b.tls).into(),
            to: policy_name(a.tls).into(),
        }),
        _ => None,
    };
    let domains: Vec<String> = domain_changes.iter().map(|c| c.domain.clone()).collect();
    let bounced = if domains.is_empty() {
        0
    } else {
        waiting.unknown
    };
    let words = words(kind, &domains, bounced);
    FixPreview {
        summary: words.summary,
        domain_changes,
        connector_disabled,
        tls_change,
        recipients_affected: 0,
        recipients_to_bounce: bounced,
        risk: words.risk,
        undo: words.undo,
    }
}

fn queue_preview(kind: &FixKind, waiting: &WaitingMail) -> FixPreview {
    let (affected, bounced) = match kind {
        FixKind::RetryNow { .. } | FixKind::Suspend { .. } => (waiting.to_go, 0),
        FixKind::Resume { .. } => (waiting.suspended, 0),
        _ => (0, waiting.total()),
    };
    let words = words(kind, &[], bounced.max(affected));
    FixPreview {
        summary: words.summary,
        domain_changes: Vec::new(),
        connector_disabled: None,
        tls_change: None,
        recipients_affected: affected,
        recipients_to_bounce: bounced,
        risk: words.risk,
        undo: words.undo,
    }
}

struct Words {
    summary: String,
    risk: String,
    undo: String,
}

/// The plain words of a preview. `count` is the recipients bounced or moved.
fn words(kind: &FixKind, domains: &[String], count: u64) -> Words {
    let name = kind.connector();
    let domains = domains.join(", ");
    let (summary, risk, undo) = match kind {
        FixKind::StopRelayingToOnPremises { also_disable, .. } => (
            format!(
                "{domains} become authoritative: recipients not in the directory are refused at RCPT with 550 5.1.10, and {count} queued recipient(s) not in the directory are failed now with an NDR{}.",
                if *also_disable { format!("; {name} is disabled") } else { String::new() }
            ),
            "If the directory is missing real mailboxes of the on-premises server, mail to them is refused or bounced as if they did not exist. Mail to known recipients stays queued for the connector.".to_string(),
            "Undo makes the domains internal relay again (and enables the connector); mail bounced by the fix stays bounced.".to_string(),
        ),
        FixKind::DisableConnector { .. } => (
            format!("{name} is disabled: no mail goes to it."),
            format!("Queued mail for {name} waits until it expires (then its senders get an NDR) or is bounced; new mail for the accepted domains it carries is refused with a temporary 451 4.4.0, and senders' servers retry."),
            format!("Undo enables {name} again; waiting mail is delivered at its next retry."),
        ),
        FixKind::LowerTlsToEncryptionOnly { .. } => (
            format!("{name} keeps encrypting but stops checking the server's certificate."),
            "Security trade-off: anyone able to intercept the connection can pose as the server and read the mail, because the certificate is no longer checked. Prefer fixing the certificate; use this until it is fixed.".to_string(),
            format!("Undo puts {name}'s certificate checks back."),
        ),
        FixKind::AllowDeliveryWithoutTls { .. } => (
            format!("{name} uses STARTTLS when offered and sends unencrypted when it is not."),
            "Security trade-off: mail to this server may cross the network unencrypted, readable and changeable by anyone on the path. Prefer enabling STARTTLS on the server.".to_string(),
            format!("Undo makes {name} require TLS again."),
        ),
        FixKind::RetryNow { .. } => (
            format!("{count} queued recipient(s) of {name} are tried now, and its next hops' waits are lifted."),
            "None; if the next hop still fails, the wait starts again.".to_string(),
            "Cannot be undone (nothing to undo).".to_string(),
        ),
        FixKind::Suspend { .. } => (
            format!("{count} queued recipient(s) of {name} are suspended: nothing is tried until they are resumed."),
            "Suspended mail still expires at its expiration time, and then its senders get an NDR.".to_string(),
            "Undo resumes them.".to_string(),
        ),
        FixKind::Resume { .. } => (
            format!("{count} suspended recipient(s) of {name} are queued again, due now or when the next hop's wait after failures ends (retry now lifts it)."),
            "None.".to_string(),
            "Undo suspends them again.".to_string(),
        ),
        FixKind::BounceAll { .. } => (
            format!("{count} waiting recipient(s) of {name} are failed now with 5.3.0 (bounced by an administrator), with an NDR to their senders."),
            "The mail is returned to its senders and will not be delivered.".to_string(),
            "Cannot be undone: bounced mail stays bounced.".to_string(),
        ),
        FixKind::BounceMessage { message, .. } => (
            format!("Message {message} makes the server of {name} drop the connection during its data: its {count} waiting recipient(s) on {name} are failed now with that error, with an NDR to its sender."),
            "The message is returned to its sender and will not be delivered; the rest of the queue is not touched.".to_string(),
            "Cannot be undone: bounced mail stays bounced.".to_string(),
        ),
    };
    Words {
        summary,
        risk,
        undo,
    }
}
