//! Which fix actions apply to a connector (SPEC 4, "Fix actions"), named
//! by the ids `mailflow fix` uses (`verb:connector`). The fixes themselves
//! — previews, applying, undoing — belong to `mailflow-fixes`; an insight
//! only says which ones its diagnosis calls for:
//!
//! - `stop-relaying` (and `stop-relaying-and-disable`): `4.4.316` or
//!   `4.4.315` on an on-premises connector that carries internal-relay domains;
//! - `disable`: any connection-level code;
//! - `lower-tls`: `4.7.320` on a connector that validates certificates;
//! - `allow-without-tls`: `4.4.317` because STARTTLS is missing, on a
//!   connector that requires TLS;
//! - `retry`, `suspend`, `bounce-all`: whenever mail is waiting;
//! - `bounce-message` (`bounce-message:connector:message`): for each
//!   waiting message that makes the next hop drop the connection during
//!   its data.

use mailflow_core::{
    Connector, ConnectorKind, Diagnosis, DomainType, MessageId, OrgSettings, ServerRefusal,
};

pub fn applicable(
    settings: &OrgSettings,
    connector: Option<&Connector>,
    last_error: Option<&Diagnosis>,
    queued: u64,
    dropping_messages: &[MessageId],
) -> Vec<String> {
    let Some(connector) = connector else {
        return Vec::new(); // MX routing has no connector to change
    };
    let mut verbs = Vec::new();
    if let Some(diagnosis) = last_error {
        verbs.extend(diagnosis_verbs(settings, connector, diagnosis));
    }
    if queued > 0 {
        verbs.extend(["retry", "suspend", "bounce-all"]);
    }
    let name = &connector.name;
    let mut ids: Vec<String> = verbs
        .into_iter()
        .map(|verb| format!("{verb}:{name}"))
        .collect();
    ids.extend(
        dropping_messages
            .iter()
            .map(|message| format!("bounce-message:{name}:{message}")),
    );
    ids
}

fn diagnosis_verbs(
    settings: &OrgSettings,
    connector: &Connector,
    diagnosis: &Diagnosis,
) -> Vec<&'static str> {
    let mut verbs = Vec::new();
    let unreachable = matches!(
        diagnosis,
        Diagnosis::ConnectionRefused { .. } | Diagnosis::ConnectionTimedOut { .. }
    );
    if unreachable
        && connector.kind == ConnectorKind::OnPremises
        && relays_domains(settings, connector)
    {
        verbs.extend(["stop-relaying", "stop-relaying-and-disable"]);
    }
    if diagnosis.is_connection_level() {
        verbs.push("disable");
    }
    if matches!(diagnosis, Diagnosis::CertificateInvalid { .. })
        && connector.tls.verifies_certificate()
    {
        verbs.push("lower-tls");
    }
    let starttls_missing = matches!(
        diagnosis,
        Diagnosis::RemoteServerError {
            refusal: ServerRefusal::StartTlsNotOffered
        }
    );
    if starttls_missing && connector.tls.requires_tls() {
        verbs.push("allow-without-tls");
    }
    verbs
}

/// The connector carries an accepted domain of type internal relay.
fn relays_domains(settings: &OrgSettings, connector: &Connector) -> bool {
    settings
        .accepted_domains
        .iter()
        .any(|domain| domain.kind == DomainType::InternalRelay && connector.covers(&domain.name))
}
