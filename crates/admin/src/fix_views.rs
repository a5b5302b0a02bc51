//! The JSON shapes of fix actions and the audit log as the API shows them,
//! built from the fixes crate's values.

use crate::views::rfc3339;
use mailflow_core::DomainType;
use mailflow_fixes::{FixPreview, OfferedFix};
use mailflow_insight::Language;
use mailflow_ndr::FixWords;
use mailflow_store::AuditEntry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A fix offered for a connector, with what applying it would do.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FixView {
    /// Stable id to apply it by, e.g. `stop-relaying:to-onprem`.
    pub id: String,
    /// The id's verb, e.g. `stop-relaying`, `disable`, `lower-tls`, `retry`.
    pub action: String,
    pub connector: String,
    /// The enhanced code of the last error that made it offered, if any.
    pub because_of: Option<String>,
    pub preview: FixPreviewView,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FixPreviewView {
    pub summary: String,
    pub domain_changes: Vec<DomainChangeView>,
    /// The connector that will be disabled, if any.
    pub connector_disabled: Option<String>,
    pub tls_change: Option<TlsChangeView>,
    /// Queued recipients the action retries, suspends or resumes.
    pub recipients_affected: u64,
    /// Queued recipients failed now, with an NDR to their senders.
    pub recipients_to_bounce: u64,
    /// The security and delivery trade-offs, in plain words.
    pub risk: String,
    /// What undo puts back, and what it cannot.
    pub undo: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DomainChangeView {
    pub domain: String,
    /// `internal_relay` or `authoritative`.
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TlsChangeView {
    pub connector: String,
    /// `opportunistic`, `required`, `verify_ca` or `verify_name`.
    pub from: String,
    pub to: String,
}

/// One recorded operator action or fix.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    /// Undo a fix by this id.
    pub id: u64,
    /// RFC 3339.
    pub at: String,
    /// The organisation acted on; absent for an action on the cluster (a
    /// node drained, an organisation made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub actor: String,
    /// e.g. `stop-relaying`, `suspend`, `undo:stop-relaying`.
    pub action: String,
    /// The connector acted on.
    pub target: String,
    /// What the action changed, as it was before.
    #[schema(value_type = Object)]
    pub before: serde_json::Value,
    /// The same parts after the action, with the recipients it moved or bounced.
    #[schema(value_type = Object)]
    pub after: serde_json::Value,
    /// RFC 3339, when the action was undone.
    pub undone_at: Option<String>,
    /// `POST /api/v1/fixes/{id}/undo` can undo it now: a change of
    /// settings or of a queue's hold, not undone yet. Retries, bounces and
    /// undos themselves cannot be undone.
    pub undoable: bool,
}

impl FixView {
    /// The offered fix, its preview's words in `language`.
    pub fn new(fix: &OfferedFix, language: Language) -> Self {
        FixView {
            id: fix.id.clone(),
            action: fix.kind.verb().to_string(),
            connector: fix.connector.clone(),
            because_of: fix.because_of.clone(),
            preview: FixPreviewView::new(&fix.preview, fix.words(language)),
        }
    }
}

impl FixPreviewView {
    fn new(preview: &FixPreview, words: FixWords) -> Self {
        FixPreviewView {
            summary: words.summary,
            domain_changes: preview
                .domain_changes
                .iter()
                .map(|c| DomainChangeView {
                    domain: c.domain.clone(),
                    from: domain_type_name(c.from),
                    to: domain_type_name(c.to),
                })
                .collect(),
            connector_disabled: preview.connector_disabled.clone(),
            tls_change: preview.tls_change.as_ref().map(|t| TlsChangeView {
                connector: t.connector.clone(),
                from: t.from.clone(),
                to: t.to.clone(),
            }),
            recipients_affected: preview.recipients_affected,
            recipients_to_bounce: preview.recipients_to_bounce,
            risk: words.risk,
            undo: words.undo,
        }
    }
}

impl From<&AuditEntry> for AuditEntryView {
    fn from(entry: &AuditEntry) -> Self {
        AuditEntryView {
            id: entry.id,
            at: rfc3339(entry.at),
            org: entry.org.clone(),
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            target: entry.target.clone(),
            before: entry.before.clone(),
            after: entry.after.clone(),
            undone_at: entry.undone_at.map(rfc3339),
            undoable: entry.undone_at.is_none()
                && mailflow_fixes::undoable_action(&entry.action, &entry.target).is_ok(),
        }
    }
}

/// The snake_case name a domain type has in the settings.
fn domain_type_name(kind: DomainType) -> String {
    match kind {
        DomainType::Authoritative => "authoritative".into(),
        DomainType::InternalRelay => "internal_relay".into(),
    }
}
