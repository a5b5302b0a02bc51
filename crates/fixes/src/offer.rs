//! Which fixes to offer, per connector, from its last error (SPEC 4, "Fix
//! actions"), each with its preview.

use crate::preview::{FixPreview, preview};
use crate::{FixKind, change};
use mailflow_core::{ConnectorKind, Diagnosis, OrgSettings, RecipientState, ServerRefusal};
use mailflow_store::{ConnectorQueueStats, PendingRecipient};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedFix {
    /// Stable: `verb:connector`, e.g. `stop-relaying:to-onprem`.
    pub id: String,
    pub kind: FixKind,
    pub connector: String,
    /// The enhanced code of the last error that made it offered, if any
    /// (queue actions are offered whenever the queue is not empty).
    pub because_of: Option<String>,
    pub preview: FixPreview,
}

/// The fixes offered for each connector of `stats`, given the settings in
/// force and the organisation's waiting recipients (for counts).
pub fn offered(
    org: &OrgSettings,
    stats: &[ConnectorQueueStats],
    waiting: &[PendingRecipient],
) -> Vec<OfferedFix> {
    let mut offers = Vec::new();
    for stat in stats {
        let Some(name) = stat.connector.as_deref() else {
            continue;
        };
        let diagnosis = stat.last_error.as_ref().map(|e| &e.diagnosis);
        let because = diagnosis.map(|d| d.code().to_string());
        for kind in kinds_for(org, name, diagnosis) {
            offers.extend(offer(org, kind, because.clone(), waiting));
        }
        if stat.queued > 0 {
            for kind in queue_kinds(name, waiting) {
                offers.extend(offer(org, kind, None, waiting));
            }
        }
    }
    offers
}

fn offer(
    org: &OrgSettings,
    kind: FixKind,
    because_of: Option<String>,
    waiting: &[PendingRecipient],
) -> Option<OfferedFix> {
    // A fix that does not apply to the settings as they are is not offered.
    let preview = preview(org, &kind, waiting).ok()?;
    Some(OfferedFix {
        id: kind.id(),
        connector: kind.connector().to_string(),
        kind,
        because_of,
        preview,
    })
}

/// The settings fixes the diagnosis calls for.
fn kinds_for(org: &OrgSettings, name: &str, diagnosis: Option<&Diagnosis>) -> Vec<FixKind> {
    let (Some(connector), Some(diagnosis)) = (org.connector(name), diagnosis) else {
        return Vec::new();
    };
    let connector_name = name.to_string();
    let mut kinds = Vec::new();
    let unreachable = matches!(
        diagnosis,
        Diagnosis::ConnectionRefused { .. } | Diagnosis::ConnectionTimedOut { .. }
    );
    if unreachable
        && connector.kind == ConnectorKind::OnPremises
        && !change::relay_domains(org, name).is_empty()
    {
        for also_disable in [false, true] {
            kinds.push(FixKind::StopRelayingToOnPremises {
                connector: connector_name.clone(),
                also_disable,
            });
        }
    }
    if diagnosis.is_connection_level() {
        kinds.push(FixKind::DisableConnector {
            connector: connector_name.clone(),
        });
    }
    if matches!(diagnosis, Diagnosis::CertificateInvalid { .. }) {
        kinds.push(FixKind::LowerTlsToEncryptionOnly {
            connector: connector_name.clone(),
        });
    }
    if matches!(
        diagnosis,
        Diagnosis::RemoteServerError {
            refusal: ServerRefusal::StartTlsNotOffered
        }
    ) {
        kinds.push(FixKind::AllowDeliveryWithoutTls {
            connector: connector_name,
        });
    }
    kinds
}

/// Retry, suspend, resume (when some are suspended) and bounce all.
fn queue_kinds(name: &str, waiting: &[PendingRecipient]) -> Vec<FixKind> {
    let connector = name.to_string();
    let states: Vec<RecipientState> = waiting
        .iter()
        .filter(|r| r.connector.as_deref() == Some(name))
        .map(|r| r.state)
        .collect();
    let suspended = states.contains(&RecipientState::Suspended);
    let movable = states.iter().any(|s| *s != RecipientState::Suspended);
    let mut kinds = Vec::new();
    if movable {
        kinds.push(FixKind::RetryNow {
            connector: connector.clone(),
        });
        kinds.push(FixKind::Suspend {
            connector: connector.clone(),
        });
    }
    if suspended {
        kinds.push(FixKind::Resume {
            connector: connector.clone(),
        });
    }
    if !states.is_empty() {
        kinds.push(FixKind::BounceAll { connector });
    }
    kinds
}
