//! What a settings fix does to the organisation's settings, computed without
//! touching anything: the new settings, and the parts that change as they
//! were before and will be after (what the audit log keeps and undo puts
//! back).

use crate::{FixError, FixKind};
use mailflow_core::{AcceptedDomain, Connector, DomainType, OrgSettings, TlsPolicy};
use serde::{Deserialize, Serialize};

/// The parts of the settings a fix touches, as recorded in the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsPart {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_domains: Vec<AcceptedDomain>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector: Option<Connector>,
}

/// The outcome of a settings fix, not yet applied.
#[derive(Debug, Clone)]
pub struct SettingsChange {
    pub settings: OrgSettings,
    pub before: SettingsPart,
    pub after: SettingsPart,
}

/// The accepted internal-relay domains that `connector` carries: those it
/// covers more specifically than any other connector (enabled or not).
pub fn relay_domains(org: &OrgSettings, connector: &str) -> Vec<String> {
    org.accepted_domains
        .iter()
        .filter(|d| d.kind == DomainType::InternalRelay)
        .filter(|d| carrier(org, &d.name) == Some(connector))
        .map(|d| d.name.clone())
        .collect()
}

fn carrier<'a>(org: &'a OrgSettings, domain: &str) -> Option<&'a str> {
    let mut best: Option<(&Connector, usize)> = None;
    for connector in &org.connectors {
        if let Some(score) = connector.match_specificity(domain)
            && best.is_none_or(|(_, best_score)| score > best_score)
        {
            best = Some((connector, score));
        }
    }
    best.map(|(connector, _)| connector.name.as_str())
}

/// The settings after `kind`, or why it does not apply to them.
pub fn settings_change(org: &OrgSettings, kind: &FixKind) -> Result<SettingsChange, FixError> {
    let id = kind.id();
    let not_applicable = |reason: String| FixError::NotApplicable {
        id: id.clone(),
        reason,
    };
    let connector = org
        .connector(kind.connector())
        .ok_or_else(|| FixError::NoSuchConnector {
            id: id.clone(),
            connector: kind.connector().to_string(),
        })?;
    let mut settings = org.clone();
    let mut changed = connector.clone();
    let mut before = SettingsPart::default();
    let mut after = SettingsPart::default();
    match kind {
        FixKind::StopRelayingToOnPremises { also_disable, .. } => {
            let domains = relay_domains(org, &connector.name);
            if domains.is_empty() {
                return Err(not_applicable(format!(
                    "{} carries no internal-relay accepted domain",
                    connector.name
                )));
            }
            for domain in settings.accepted_domains.iter_mut() {
                if domains.contains(&domain.name) {
                    before.accepted_domains.push(domain.clone());
                    domain.kind = DomainType::Authoritative;
                    after.accepted_domains.push(domain.clone());
                }
            }
            if *also_disable && connector.enabled {
                changed.enabled = false;
            }
        }
        FixKind::DisableConnector { .. } => {
            if !connector.enabled {
                return Err(not_applicable(format!(
                    "{} is disabled already",
                    connector.name
                )));
            }
            changed.enabled = false;
        }
        FixKind::LowerTlsToEncryptionOnly { .. } => {
            if !connector.tls.verifies_certificate() {
                return Err(not_applicable(format!(
                    "{} does not check certificates (its TLS policy is {})",
                    connector.name,
                    policy_name(connector.tls)
                )));
            }
            changed.tls = TlsPolicy::Required;
        }
        FixKind::AllowDeliveryWithoutTls { .. } => {
            if !connector.tls.requires_tls() {
                return Err(not_applicable(format!(
                    "{} does not require TLS already",
                    connector.name
                )));
            }
            changed.tls = TlsPolicy::Opportunistic;
        }
        _ => {
            return Err(not_applicable(
                "it acts on the queue, not on settings".into(),
            ));
        }
    }
    if changed != *connector {
        before.connector = Some(connector.clone());
        after.connector = Some(changed.clone());
        replace_connector(&mut settings, changed);
    }
    Ok(SettingsChange {
        settings,
        before,
        after,
    })
}

/// The current settings with `part` put back: its domains' types and its
/// connector, matched by name (added again when they were removed since).
pub fn restore(org: &OrgSettings, part: &SettingsPart) -> OrgSettings {
    let mut settings = org.clone();
    for domain in &part.accepted_domains {
        match settings
            .accepted_domains
            .iter_mut()
            .find(|d| d.name.eq_ignore_ascii_case(&domain.name))
        {
            Some(current) => current.kind = domain.kind,
            None => settings.accepted_domains.push(domain.clone()),
        }
    }
    if let Some(connector) = &part.connector {
        replace_connector(&mut settings, connector.clone());
    }
    settings
}

fn replace_connector(settings: &mut OrgSettings, connector: Connector) {
    match settings
        .connectors
        .iter_mut()
        .find(|c| c.name == connector.name)
    {
        Some(current) => *current = connector,
        None => settings.connectors.push(connector),
    }
}

pub fn policy_name(policy: TlsPolicy) -> &'static str {
    match policy {
        TlsPolicy::Opportunistic => "opportunistic",
        TlsPolicy::Required => "required",
        TlsPolicy::VerifyCa => "verify_ca",
        TlsPolicy::VerifyName => "verify_name",
    }
}
