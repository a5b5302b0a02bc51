//! What mailflow tells administrators about the actions they take and the
//! life of one message, per language: the words of a fix's preview (what
//! it does, its trade-offs, what undo puts back), one line per event of a
//! message's trace, and the names of the actions the audit log records.
//!
//! Another sibling of `Catalogue`, implemented by each language's unit
//! struct in `catalogue/<language>/operations.rs`. The facts come typed; a
//! server's reply and an address are quoted as they were, never translated.

use mailflow_core::{Event, action_names};

/// A fix as its preview describes it, with the facts its words name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixChange<'a> {
    /// `domains` become authoritative; `bounced` queued recipients unknown
    /// to the directory are failed now; the connector is disabled too when
    /// `also_disable`.
    StopRelaying {
        connector: &'a str,
        domains: &'a [String],
        bounced: u64,
        also_disable: bool,
    },
    Disable {
        connector: &'a str,
    },
    /// Encryption kept, certificate checks dropped.
    LowerTls {
        connector: &'a str,
    },
    /// STARTTLS when offered, plain text when not.
    AllowWithoutTls {
        connector: &'a str,
    },
    RetryNow {
        connector: &'a str,
        recipients: u64,
    },
    Suspend {
        connector: &'a str,
        recipients: u64,
    },
    Resume {
        connector: &'a str,
        recipients: u64,
    },
    BounceAll {
        connector: &'a str,
        recipients: u64,
    },
    /// One message that makes the server drop the connection.
    BounceMessage {
        connector: &'a str,
        message: &'a str,
        recipients: u64,
    },
}

/// The plain words of a fix's preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixWords {
    /// What applying it does.
    pub summary: String,
    /// The security and delivery trade-offs.
    pub risk: String,
    /// What undo puts back, and what it cannot.
    pub undo: String,
}

/// Every action the audit log records, by the id it is stored under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    ConnectorAdd,
    ConnectorEdit,
    ConnectorRemove,
    ConnectorEnable,
    ConnectorDisable,
    OrgApply,
    DomainAdd,
    DomainEdit,
    DomainRemove,
    DirectoryAdd,
    DirectoryRemove,
    DirectoryImport,
    UserAdd,
    UserPassword,
    UserRemove,
    TokenCreate,
    TokenRevoke,
    AlertSettingsEdit,
    AlertRulesSet,
    AlertRulesClear,
    StopRelaying,
    StopRelayingAndDisable,
    Disable,
    LowerTls,
    AllowWithoutTls,
    Retry,
    Suspend,
    Resume,
    BounceAll,
    BounceMessage,
    MessageRetry,
    MessageSuspend,
    MessageResume,
    MessageBounce,
    MessageDelete,
    QueueRetry,
    QueueSuspend,
    QueueResume,
    QueueBounce,
    QueueDelete,
    /// An operator deleted queued mail (the operator event's name).
    Delete,
}

/// The stored id of each action. Operator events name a retry
/// `retry now`; it reads as the fix's retry.
const IDS: [(&str, AuditAction); 42] = [
    ("connector-add", AuditAction::ConnectorAdd),
    ("connector-edit", AuditAction::ConnectorEdit),
    ("connector-remove", AuditAction::ConnectorRemove),
    ("connector-enable", AuditAction::ConnectorEnable),
    ("connector-disable", AuditAction::ConnectorDisable),
    ("org-apply", AuditAction::OrgApply),
    ("domain-add", AuditAction::DomainAdd),
    ("domain-edit", AuditAction::DomainEdit),
    ("domain-remove", AuditAction::DomainRemove),
    ("directory-add", AuditAction::DirectoryAdd),
    ("directory-remove", AuditAction::DirectoryRemove),
    ("directory-import", AuditAction::DirectoryImport),
    ("user-add", AuditAction::UserAdd),
    ("user-password", AuditAction::UserPassword),
    ("user-remove", AuditAction::UserRemove),
    ("token-create", AuditAction::TokenCreate),
    ("token-revoke", AuditAction::TokenRevoke),
    ("alert-settings-edit", AuditAction::AlertSettingsEdit),
    ("alert-rules-set", AuditAction::AlertRulesSet),
    ("alert-rules-clear", AuditAction::AlertRulesClear),
    ("stop-relaying", AuditAction::StopRelaying),
    (
        "stop-relaying-and-disable",
        AuditAction::StopRelayingAndDisable,
    ),
    ("disable", AuditAction::Disable),
    ("lower-tls", AuditAction::LowerTls),
    ("allow-without-tls", AuditAction::AllowWithoutTls),
    ("retry", AuditAction::Retry),
    ("retry now", AuditAction::Retry),
    ("suspend", AuditAction::Suspend),
    ("resume", AuditAction::Resume),
    ("bounce-all", AuditAction::BounceAll),
    ("bounce-message", AuditAction::BounceMessage),
    ("message-retry", AuditAction::MessageRetry),
    ("message-suspend", AuditAction::MessageSuspend),
    ("message-resume", AuditAction::MessageResume),
    ("message-bounce", AuditAction::MessageBounce),
    ("message-delete", AuditAction::MessageDelete),
    ("queue-retry", AuditAction::QueueRetry),
    ("queue-suspend", AuditAction::QueueSuspend),
    ("queue-resume", AuditAction::QueueResume),
    ("queue-bounce", AuditAction::QueueBounce),
    ("queue-delete", AuditAction::QueueDelete),
    ("delete", AuditAction::Delete),
];

impl AuditAction {
    /// The action stored as `id`, if it is one mailflow records.
    pub fn from_id(id: &str) -> Option<AuditAction> {
        IDS.iter()
            .find(|(known, _)| *known == id)
            .map(|(_, action)| *action)
    }

    /// Every action, once each.
    pub fn all() -> Vec<AuditAction> {
        let mut all: Vec<AuditAction> = Vec::new();
        for (_, action) in IDS {
            if !all.contains(&action) {
                all.push(action);
            }
        }
        all
    }
}

/// The words of one language for what administrators do and what happened
/// to a message.
pub trait OperationsCatalogue: Sync {
    fn fix_words(&self, change: &FixChange) -> FixWords;
    /// One line for people about one event of a message's trace.
    fn event_summary(&self, event: &Event) -> String;
    /// An action's name, as a short phrase starting with a capital.
    fn action(&self, action: AuditAction) -> &'static str;
    /// The name of the undo of an action named `name`.
    fn undo_of(&self, name: &str) -> String;
    /// An operator failed waiting mail with `code` (e.g. `5.3.0`).
    fn failed_by_operator(&self, code: &str) -> String;
}

/// How people read a recorded action id: its name in the catalogue's
/// language, the undo of one, or the id itself when mailflow does not know
/// it (an entry written by a newer version).
pub fn action_name(catalogue: &dyn OperationsCatalogue, id: &str) -> String {
    if let Some(undone) = action_names::undone(id) {
        return catalogue.undo_of(&action_name(catalogue, undone));
    }
    if let Some(code) = action_names::failed_code(id) {
        return catalogue.failed_by_operator(code);
    }
    AuditAction::from_id(id)
        .map_or_else(|| id.to_string(), |action| catalogue.action(action).into())
}
