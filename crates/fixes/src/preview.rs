//! What a fix will do, shown before it is applied: which domains change,
//! which connector is disabled, the TLS policy before and after, how many
//! queued recipients it moves or bounces; and the trade-offs in plain
//! words, in the language asked for (`words`).

use crate::change::{SettingsChange, policy_name, settings_change};
use crate::waiting::WaitingMail;
use crate::{FixError, FixKind};
use mailflow_core::{DomainType, OrgSettings};
use mailflow_ndr::{FixChange, FixWords, Language};
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
    pub domain_changes: Vec<DomainChange>,
    /// The connector that will be disabled, if any.
    pub connector_disabled: Option<String>,
    pub tls_change: Option<TlsChange>,
    /// Queued recipients the action retries, suspends or resumes.
    pub recipients_affected: u64,
    /// Queued recipients that will be failed now, with an NDR to their senders.
    pub recipients_to_bounce: u64,
}

impl FixPreview {
    /// The accepted domains the fix changes.
    pub fn domains(&self) -> Vec<String> {
        self.domain_changes
            .iter()
            .map(|c| c.domain.clone())
            .collect()
    }
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
        return Ok(settings_preview(&change, waiting));
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

fn settings_preview(change: &SettingsChange, waiting: &WaitingMail) -> FixPreview {
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
    let bounced = if domain_changes.is_empty() {
        0
    } else {
        waiting.unknown
    };
    FixPreview {
        domain_changes,
        connector_disabled,
        tls_change,
        recipients_affected: 0,
        recipients_to_bounce: bounced,
    }
}

fn queue_preview(kind: &FixKind, waiting: &WaitingMail) -> FixPreview {
    let (affected, bounced) = match kind {
        FixKind::RetryNow { .. } | FixKind::Suspend { .. } => (waiting.to_go, 0),
        FixKind::Resume { .. } => (waiting.suspended, 0),
        _ => (0, waiting.total()),
    };
    FixPreview {
        domain_changes: Vec::new(),
        connector_disabled: None,
        tls_change: None,
        recipients_affected: affected,
        recipients_to_bounce: bounced,
    }
}

/// The plain words of `preview` (a preview of `kind`) in `language`:
/// what applying it does, its trade-offs, and what undo puts back.
pub fn words(kind: &FixKind, preview: &FixPreview, language: Language) -> FixWords {
    let connector = kind.connector();
    let recipients = preview
        .recipients_to_bounce
        .max(preview.recipients_affected);
    let domains = preview.domains();
    let message_id;
    let change = match kind {
        FixKind::StopRelayingToOnPremises { also_disable, .. } => FixChange::StopRelaying {
            connector,
            domains: &domains,
            bounced: preview.recipients_to_bounce,
            also_disable: *also_disable,
        },
        FixKind::DisableConnector { .. } => FixChange::Disable { connector },
        FixKind::LowerTlsToEncryptionOnly { .. } => FixChange::LowerTls { connector },
        FixKind::AllowDeliveryWithoutTls { .. } => FixChange::AllowWithoutTls { connector },
        FixKind::RetryNow { .. } => FixChange::RetryNow {
            connector,
            recipients,
        },
        FixKind::Suspend { .. } => FixChange::Suspend {
            connector,
            recipients,
        },
        FixKind::Resume { .. } => FixChange::Resume {
            connector,
            recipients,
        },
        FixKind::BounceAll { .. } => FixChange::BounceAll {
            connector,
            recipients,
        },
        FixKind::BounceMessage { message, .. } => {
            message_id = message.to_string();
            FixChange::BounceMessage {
                connector,
                message: &message_id,
                recipients,
            }
        }
    };
    language.operations_catalogue().fix_words(&change)
}
