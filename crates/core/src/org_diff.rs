//! The difference between two versions of an organisation's settings:
//! accepted domains, connectors and directory entries added, changed (field
//! by field, before and after) or removed. `mailflow apply` shows it before
//! it changes anything; a node shows it when a changed config replaces
//! settings edited in the store.

use crate::org::{AcceptedDomain, Connector, DomainType, OrgSettings, TlsPolicy};
use std::fmt;
use std::time::Duration;

/// What kind of setting a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SettingKind {
    AcceptedDomain,
    Connector,
    DirectoryEntry,
}

impl fmt::Display for SettingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SettingKind::AcceptedDomain => "accepted domain",
            SettingKind::Connector => "connector",
            SettingKind::DirectoryEntry => "directory entry",
        })
    }
}

/// One field of a changed setting, as text, before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingChange {
    /// With the new setting's fields, for people to read.
    Added {
        kind: SettingKind,
        name: String,
        fields: Vec<(&'static str, String)>,
    },
    Changed {
        kind: SettingKind,
        name: String,
        fields: Vec<FieldChange>,
    },
    Removed {
        kind: SettingKind,
        name: String,
    },
}

/// Every change from one version of the settings to another: domains
/// first, then connectors, then directory entries, each by name. The order
/// of the lists is not a difference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgDiff {
    pub changes: Vec<SettingChange>,
}

impl OrgDiff {
    pub fn between(before: &OrgSettings, after: &OrgSettings) -> OrgDiff {
        let mut changes = Vec::new();
        compare(
            &mut changes,
            SettingKind::AcceptedDomain,
            &named(&before.accepted_domains, |d| &d.name, domain_fields),
            &named(&after.accepted_domains, |d| &d.name, domain_fields),
        );
        compare(
            &mut changes,
            SettingKind::Connector,
            &named(&before.connectors, |c| &c.name, connector_fields),
            &named(&after.connectors, |c| &c.name, connector_fields),
        );
        let old = &before.directory.recipients;
        let new = &after.directory.recipients;
        for address in new.difference(old) {
            changes.push(SettingChange::Added {
                kind: SettingKind::DirectoryEntry,
                name: address.clone(),
                fields: Vec::new(),
            });
        }
        for address in old.difference(new) {
            changes.push(SettingChange::Removed {
                kind: SettingKind::DirectoryEntry,
                name: address.clone(),
            });
        }
        OrgDiff { changes }
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many were added, changed and removed.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for change in &self.changes {
            match change {
                SettingChange::Added { .. } => counts.0 += 1,
                SettingChange::Changed { .. } => counts.1 += 1,
                SettingChange::Removed { .. } => counts.2 += 1,
            }
        }
        counts
    }
}

impl SettingChange {
    /// What the change is about: the kind of setting and its name.
    pub fn subject(&self) -> (SettingKind, &str) {
        match self {
            SettingChange::Added { kind, name, .. }
            | SettingChange::Changed { kind, name, .. }
            | SettingChange::Removed { kind, name } => (*kind, name),
        }
    }
}

impl fmt::Display for SettingChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingChange::Added { kind, name, fields } => {
                write!(f, "+ {kind} {name}")?;
                let shown: Vec<String> = fields
                    .iter()
                    .filter(|(_, value)| !value.is_empty())
                    .map(|(field, value)| format!("{field} = {value}"))
                    .collect();
                if !shown.is_empty() {
                    write!(f, " ({})", shown.join(", "))?;
                }
                Ok(())
            }
            SettingChange::Changed { kind, name, fields } => {
                write!(f, "~ {kind} {name}")?;
                for change in fields {
                    let before = or_none(&change.before);
                    let after = or_none(&change.after);
                    write!(f, "\n    {}: {before} -> {after}", change.field)?;
                }
                Ok(())
            }
            SettingChange::Removed { kind, name } => write!(f, "- {kind} {name}"),
        }
    }
}

impl fmt::Display for OrgDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.changes.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

fn or_none(value: &str) -> &str {
    if value.is_empty() { "(none)" } else { value }
}

type Fields = Vec<(&'static str, String)>;

fn named<T>(
    items: &[T],
    name: impl Fn(&T) -> &String,
    fields: impl Fn(&T) -> Fields,
) -> Vec<(String, Fields)> {
    let mut named: Vec<(String, Fields)> = items
        .iter()
        .map(|item| (name(item).clone(), fields(item)))
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    named
}

fn compare(
    changes: &mut Vec<SettingChange>,
    kind: SettingKind,
    before: &[(String, Fields)],
    after: &[(String, Fields)],
) {
    let find = |list: &[(String, Fields)], name: &str| {
        list.iter()
            .find(|(n, _)| n == name)
            .map(|(_, fields)| fields.clone())
    };
    for (name, fields) in after {
        match find(before, name) {
            None => changes.push(SettingChange::Added {
                kind,
                name: name.clone(),
                fields: fields.clone(),
            }),
            Some(old) => {
                let changed: Vec<FieldChange> = old
                    .iter()
                    .zip(fields)
                    .filter(|((_, a), (_, b))| a != b)
                    .map(|((field, a), (_, b))| FieldChange {
                        field,
                        before: a.clone(),
                        after: b.clone(),
                    })
                    .collect();
                if !changed.is_empty() {
                    changes.push(SettingChange::Changed {
                        kind,
                        name: name.clone(),
                        fields: changed,
                    });
                }
            }
        }
    }
    for (name, _) in before {
        if find(after, name).is_none() {
            changes.push(SettingChange::Removed {
                kind,
                name: name.clone(),
            });
        }
    }
}

fn domain_fields(domain: &AcceptedDomain) -> Fields {
    let kind = match domain.kind {
        DomainType::Authoritative => "authoritative",
        DomainType::InternalRelay => "internal_relay",
    };
    vec![("type", kind.to_string())]
}

/// A connector's fields as the config writes them.
fn connector_fields(connector: &Connector) -> Fields {
    let list = |items: Vec<String>| items.join(", ");
    let kind = match connector.kind {
        crate::org::ConnectorKind::OnPremises => "on_premises",
        crate::org::ConnectorKind::Partner => "partner",
    };
    vec![
        ("kind", kind.to_string()),
        ("enabled", connector.enabled.to_string()),
        (
            "recipient_domains",
            list(connector.recipient_domains.clone()),
        ),
        (
            "smart_hosts",
            list(
                connector
                    .smart_hosts
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            ),
        ),
        ("tls", tls_text(connector.tls).to_string()),
        ("tls_name", connector.tls_name.clone().unwrap_or_default()),
        ("max_connections", connector.max_connections.to_string()),
        (
            "connect_timeout",
            connector
                .connect_timeout
                .map(human_duration)
                .unwrap_or_default(),
        ),
        (
            "command_timeout",
            connector
                .command_timeout
                .map(human_duration)
                .unwrap_or_default(),
        ),
    ]
}

/// A TLS policy as the config writes it.
pub fn tls_text(tls: TlsPolicy) -> &'static str {
    match tls {
        TlsPolicy::Opportunistic => "opportunistic",
        TlsPolicy::Required => "required",
        TlsPolicy::VerifyCa => "verify_ca",
        TlsPolicy::VerifyName => "verify_name",
    }
}

/// A duration as the config writes it: `90s` is `1m30s`, `2h`, `250ms`.
pub fn human_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if !millis.is_multiple_of(1000) {
        return format!("{millis}ms");
    }
    let mut seconds = duration.as_secs();
    let mut text = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds >= size {
            text.push_str(&format!("{}{unit}", seconds / size));
            seconds %= size;
        }
    }
    if seconds > 0 || text.is_empty() {
        text.push_str(&format!("{seconds}s"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::{ConnectorKind, TlsPolicy};

    fn connector(name: &str) -> Connector {
        Connector {
            name: name.into(),
            kind: ConnectorKind::OnPremises,
            enabled: true,
            recipient_domains: vec!["contoso.test".into()],
            smart_hosts: vec!["mail.contoso.test:25".parse().unwrap()],
            tls: TlsPolicy::Opportunistic,
            tls_name: None,
            connect_timeout: None,
            command_timeout: None,
            max_connections: 10,
        }
    }

    fn settings() -> OrgSettings {
        let mut settings = OrgSettings {
            accepted_domains: vec![AcceptedDomain {
                name: "contoso.test".into(),
                kind: DomainType::InternalRelay,
            }],
            connectors: vec![connector("to-onprem"), connector("old")],
            ..Default::default()
        };
        settings.directory.insert("alice@contoso.test");
        settings
    }

    #[test]
    fn the_same_settings_in_another_order_differ_in_nothing() {
        let before = settings();
        let mut after = settings();
        after.connectors.reverse();
        assert!(OrgDiff::between(&before, &after).is_empty());
    }

    #[test]
    fn additions_changes_and_removals_are_each_named() {
        let before = settings();
        let mut after = settings();
        after.accepted_domains[0].kind = DomainType::Authoritative;
        after.connectors.retain(|c| c.name != "old");
        after.connectors[0].tls = TlsPolicy::VerifyName;
        after.connectors[0].connect_timeout = Some(Duration::from_secs(90));
        after.connectors.push(connector("to-fabrikam"));
        after.directory.insert("bob@contoso.test");
        after.directory.recipients.remove("alice@contoso.test");
        let diff = OrgDiff::between(&before, &after);
        assert_eq!(diff.counts(), (2, 2, 2));
        let text = diff.to_string();
        let expected = [
            "~ accepted domain contoso.test\n    type: internal_relay -> authoritative",
            "+ connector to-fabrikam (kind = on_premises, enabled = true, recipient_domains = contoso.test, smart_hosts = mail.contoso.test:25, tls = opportunistic, max_connections = 10)",
            "~ connector to-onprem\n    tls: opportunistic -> verify_name\n    connect_timeout: (none) -> 1m30s",
            "- connector old",
            "+ directory entry bob@contoso.test",
            "- directory entry alice@contoso.test",
        ];
        assert_eq!(text, expected.join("\n"));
    }

    #[test]
    fn durations_read_as_the_config_writes_them() {
        assert_eq!(human_duration(Duration::from_secs(30)), "30s");
        assert_eq!(human_duration(Duration::from_secs(300)), "5m");
        assert_eq!(human_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(human_duration(Duration::ZERO), "0s");
    }
}
