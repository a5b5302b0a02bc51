//! Which fixes to offer, per connector, from its last error (SPEC 4, "Fix
//! actions"), each with its preview.

use crate::preview::{FixPreview, preview};
use crate::waiting::WaitingMail;
use crate::{FixKind, change};
use mailflow_core::{ConnectorKind, Diagnosis, OrgSettings, ServerRefusal};
use mailflow_ndr::{FixWords, Language};
use mailflow_store::ConnectorQueueStats;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The code of the error `bounce-message` is offered for: a connection
/// dropped during the message's data.
const DROPPED: &str = "4.4.318";

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

impl OfferedFix {
    /// Its preview in plain words, in `language`.
    pub fn words(&self, language: Language) -> FixWords {
        crate::preview::words(&self.kind, &self.preview, language)
    }
}

/// The fixes offered for each connector of `stats`, given the settings in
/// force and each connector's waiting mail (for the previews' counts), and
/// `bounce-message` for each message that makes its next hop drop the
/// connection during its data.
pub fn offered(
    org: &OrgSettings,
    stats: &[ConnectorQueueStats],
    waiting: &BTreeMap<String, WaitingMail>,
) -> Vec<OfferedFix> {
    let mut offers = Vec::new();
    for stat in stats {
        let Some(name) = stat.connector.as_deref() else {
            continue;
        };
        let mail = waiting.get(name).copied().unwrap_or_default();
        let diagnosis = stat.last_error.as_ref().map(|e| &e.diagnosis);
        let because = diagnosis.map(|d| d.code().to_string());
        for kind in kinds_for(org, name, diagnosis) {
            offers.extend(offer(org, kind, because.clone(), &mail));
        }
        if stat.queued > 0 {
            for kind in queue_kinds(name, &mail) {
                offers.extend(offer(org, kind, None, &mail));
            }
        }
        for (message, recipients) in &stat.data_drop_messages {
            let kind = FixKind::BounceMessage {
                connector: name.to_string(),
                message: *message,
            };
            let of_message = WaitingMail {
                to_go: *recipients,
                ..Default::default()
            };
            offers.extend(offer(org, kind, Some(DROPPED.into()), &of_message));
        }
    }
    offers
}

/// Whether stop relaying is offered for the connector: it is unreachable
/// (refused or timed out), on premises, and relays some domain. Its
/// preview then needs the connector's unknown recipients counted.
pub fn offers_stop_relaying(org: &OrgSettings, name: &str, diagnosis: Option<&Diagnosis>) -> bool {
    let unreachable = matches!(
        diagnosis,
        Some(Diagnosis::ConnectionRefused { .. } | Diagnosis::ConnectionTimedOut { .. })
    );
    unreachable
        && org
            .connector(name)
            .is_some_and(|connector| connector.kind == ConnectorKind::OnPremises)
        && !change::relay_domains(org, name).is_empty()
}

fn offer(
    org: &OrgSettings,
    kind: FixKind,
    because_of: Option<String>,
    waiting: &WaitingMail,
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
    let (Some(_), Some(diagnosis)) = (org.connector(name), diagnosis) else {
        return Vec::new();
    };
    let connector_name = name.to_string();
    let mut kinds = Vec::new();
    if offers_stop_relaying(org, name, Some(diagnosis)) {
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
fn queue_kinds(name: &str, waiting: &WaitingMail) -> Vec<FixKind> {
    let connector = name.to_string();
    let mut kinds = Vec::new();
    if waiting.to_go > 0 {
        kinds.push(FixKind::RetryNow {
            connector: connector.clone(),
        });
        kinds.push(FixKind::Suspend {
            connector: connector.clone(),
        });
    }
    if waiting.suspended > 0 {
        kinds.push(FixKind::Resume {
            connector: connector.clone(),
        });
    }
    if waiting.total() > 0 {
        kinds.push(FixKind::BounceAll { connector });
    }
    kinds
}
