//! The checks of an organisation's settings that are about the values
//! themselves: names, domain syntax, smart hosts, limits, duplicates and
//! overlaps. The config file and the admin API both run them, so a setting
//! the one refuses the other refuses too, with the same words. Each problem
//! names the field (`connectors[2].smart_hosts[0]`); the config adds the
//! file and line, the API answers it as the error's `field`.

use crate::org::{AcceptedDomain, Connector, DomainType, OrgSettings, SmartHost};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;

/// One step of a field's path: a key, or an index in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldSegment {
    Key(&'static str),
    Index(usize),
}

/// Where a problem is: `connectors[2].smart_hosts[0]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<FieldSegment>);

impl FieldPath {
    pub fn key(name: &'static str) -> Self {
        FieldPath(vec![FieldSegment::Key(name)])
    }

    pub fn then(mut self, name: &'static str) -> Self {
        self.0.push(FieldSegment::Key(name));
        self
    }

    pub fn at(mut self, index: usize) -> Self {
        self.0.push(FieldSegment::Index(index));
        self
    }

    /// `prefix` followed by this path.
    pub fn under(self, prefix: &FieldPath) -> Self {
        let mut segments = prefix.0.clone();
        segments.extend(self.0);
        FieldPath(segments)
    }

    /// This path without `prefix`, when it starts with it.
    pub fn strip(&self, prefix: &FieldPath) -> Option<FieldPath> {
        self.0
            .strip_prefix(prefix.0.as_slice())
            .filter(|rest| !rest.is_empty())
            .map(|rest| FieldPath(rest.to_vec()))
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, segment) in self.0.iter().enumerate() {
            match segment {
                FieldSegment::Key(name) if index == 0 => f.write_str(name)?,
                FieldSegment::Key(name) => write!(f, ".{name}")?,
                FieldSegment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// A value that cannot be used, and the field that holds it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct OrgProblem {
    pub field: FieldPath,
    pub message: String,
}

impl OrgProblem {
    pub fn new(field: FieldPath, message: impl Into<String>) -> Self {
        OrgProblem {
            field,
            message: message.into(),
        }
    }

    fn under(mut self, prefix: &FieldPath) -> Self {
        self.field = self.field.under(prefix);
        self
    }
}

/// Something that works but is probably not what was meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgWarning {
    pub field: FieldPath,
    pub message: String,
}

// --- single values ---------------------------------------------------------

/// A domain name, lower-case and without a trailing dot.
pub fn domain_name(name: &str) -> Result<String, String> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if valid {
        Ok(name)
    } else {
        Err(format!("{name:?} is not a domain name"))
    }
}

/// A connector's recipient domain: a domain, `*.domain` or `*`.
pub fn domain_pattern(pattern: &str) -> Result<String, String> {
    let pattern = pattern.trim();
    if pattern == "*" {
        return Ok(pattern.into());
    }
    match pattern.strip_prefix("*.") {
        Some(parent) => domain_name(parent).map(|parent| format!("*.{parent}")),
        None => domain_name(pattern)
            .map_err(|_| format!("{pattern:?} is not a domain, \"*.domain\" or \"*\"")),
    }
}

/// A connector's name: it is part of API paths and CLI arguments.
pub fn connector_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.contains(['/', ' ']) || name.chars().any(char::is_control) {
        return Err("a connector name must be non-empty, without spaces or '/'".into());
    }
    Ok(name.to_string())
}

/// The longest organisation name.
pub const ORG_NAME_MAX: usize = 63;

/// An organisation's name: it is part of queue keys (`org/connector`), API
/// paths and CLI arguments, so 1 to 63 ASCII letters, digits, `-`, `_` and
/// `.`, not starting with `.` or `-`. Taken as it is: no trimming, no
/// change of case.
pub fn org_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an organisation name must not be empty".into());
    }
    if name.len() > ORG_NAME_MAX {
        return Err(format!(
            "{name:?} is longer than {ORG_NAME_MAX} characters, the most an organisation name may have"
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if !name.chars().all(allowed) {
        return Err(format!(
            "{name:?} is not an organisation name: use ASCII letters, digits, '-', '_' and '.' (no '/', ':' or spaces)"
        ));
    }
    if name.starts_with(['.', '-']) {
        return Err(format!(
            "{name:?} is not an organisation name: it must not start with '.' or '-'"
        ));
    }
    Ok(())
}

/// A directory entry, lower-case: `local@domain`, or `*@domain` for
/// everyone in the domain.
pub fn directory_address(address: &str) -> Result<String, String> {
    let address = address.trim();
    let valid = match address.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.starts_with('.')
                && domain.contains(|c: char| c.is_ascii_alphanumeric())
                && !address
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
        }
        None => false,
    };
    if valid {
        Ok(address.to_ascii_lowercase())
    } else {
        Err(format!(
            "{address:?} is not an address; write local@domain, or *@domain for a whole domain"
        ))
    }
}

fn smart_host(host: &SmartHost) -> Result<(), String> {
    if host.port == Some(0) {
        return Err(format!("{host}: 0 is not a port"));
    }
    if host.host.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    domain_name(&host.host)
        .map(|_| ())
        .map_err(|_| format!("{:?} is not a host name or IP address", host.host))
}

// --- one connector, one domain ---------------------------------------------

/// A connector checked on its own, its names normalised. Fields are named
/// from the connector (`smart_hosts[0]`).
pub fn connector(mut connector: Connector) -> Result<Connector, OrgProblem> {
    let problem = |field: FieldPath, message: String| OrgProblem::new(field, message);
    connector.name =
        connector_name(&connector.name).map_err(|m| problem(FieldPath::key("name"), m))?;
    if connector.recipient_domains.is_empty() {
        let message = "the connector carries no recipients; list the domains it carries, e.g. [\"contoso.test\"], or [\"*\"] for all";
        return Err(problem(FieldPath::key("recipient_domains"), message.into()));
    }
    let mut seen = HashSet::new();
    for (index, pattern) in connector.recipient_domains.iter_mut().enumerate() {
        let at = FieldPath::key("recipient_domains").at(index);
        *pattern = domain_pattern(pattern).map_err(|m| problem(at.clone(), m))?;
        if !seen.insert(pattern.clone()) {
            return Err(problem(at, format!("{pattern} is listed twice")));
        }
    }
    for (index, host) in connector.smart_hosts.iter().enumerate() {
        smart_host(host).map_err(|m| problem(FieldPath::key("smart_hosts").at(index), m))?;
    }
    if let Some(name) = &connector.tls_name {
        if name.trim().is_empty() {
            let message = "is empty; leave it out to expect the host's own name";
            return Err(problem(FieldPath::key("tls_name"), message.into()));
        }
        let normalised = domain_name(name).map_err(|m| problem(FieldPath::key("tls_name"), m))?;
        connector.tls_name = Some(normalised);
    }
    if connector.max_connections == 0 {
        let message = "must be at least 1".to_string();
        return Err(problem(FieldPath::key("max_connections"), message));
    }
    for (key, timeout) in [
        ("connect_timeout", connector.connect_timeout),
        ("command_timeout", connector.command_timeout),
    ] {
        if timeout.is_some_and(|t| t.is_zero()) {
            let message = "is zero; a time-out must be longer (leave it out for the node's own)";
            return Err(problem(FieldPath::key(key), message.into()));
        }
    }
    Ok(connector)
}

/// An accepted domain checked on its own, its name normalised.
pub fn accepted_domain(mut domain: AcceptedDomain) -> Result<AcceptedDomain, OrgProblem> {
    domain.name =
        domain_name(&domain.name).map_err(|m| OrgProblem::new(FieldPath::key("name"), m))?;
    Ok(domain)
}

// --- the whole organisation ------------------------------------------------

/// The whole settings checked, names normalised: each domain and connector
/// on its own, then what only the whole shows — names listed twice, one
/// recipient domain carried by two enabled connectors, an internal relay
/// domain that no connector carries, directory entries that are not
/// addresses.
pub fn org(settings: OrgSettings) -> Result<OrgSettings, OrgProblem> {
    let OrgSettings {
        accepted_domains,
        connectors,
        directory,
    } = settings;
    let mut checked = OrgSettings::default();
    let mut seen = HashSet::new();
    for (index, domain) in accepted_domains.into_iter().enumerate() {
        let at = FieldPath::key("accepted_domains").at(index);
        let domain = accepted_domain(domain).map_err(|p| p.under(&at))?;
        if !seen.insert(domain.name.clone()) {
            let message = format!("{} is listed twice", domain.name);
            return Err(OrgProblem::new(at.then("name"), message));
        }
        checked.accepted_domains.push(domain);
    }
    let mut names = HashSet::new();
    for (index, raw) in connectors.into_iter().enumerate() {
        let at = FieldPath::key("connectors").at(index);
        let connector = connector(raw).map_err(|p| p.under(&at))?;
        if !names.insert(connector.name.clone()) {
            let message = format!("a connector named {:?} is already defined", connector.name);
            return Err(OrgProblem::new(at.then("name"), message));
        }
        checked.connectors.push(connector);
    }
    no_domain_carried_twice(&checked.connectors)?;
    for address in &directory.recipients {
        let address = directory_address(address)
            .map_err(|m| OrgProblem::new(FieldPath::key("directory").then("recipients"), m))?;
        checked.directory.recipients.insert(address);
    }
    internal_relay_domains_are_carried(&checked)?;
    Ok(checked)
}

/// The same recipient domain on two enabled connectors leaves it to the
/// order of the list which one carries it; that is refused, naming both.
fn no_domain_carried_twice(connectors: &[Connector]) -> Result<(), OrgProblem> {
    let mut carriers: HashMap<&str, &str> = HashMap::new();
    for (index, connector) in connectors.iter().enumerate() {
        if !connector.enabled {
            continue;
        }
        for (position, pattern) in connector.recipient_domains.iter().enumerate() {
            if let Some(first) = carriers.insert(pattern, &connector.name) {
                let at = FieldPath::key("connectors")
                    .at(index)
                    .then("recipient_domains")
                    .at(position);
                let message = format!(
                    "{pattern} is carried by both connectors {first:?} and {:?}; remove it from one of them, or disable one",
                    connector.name
                );
                return Err(OrgProblem::new(at, message));
            }
        }
    }
    Ok(())
}

/// An internal relay domain's unknown recipients go to the server that
/// shares it: without a connector (enabled or not) they could go nowhere.
fn internal_relay_domains_are_carried(org: &OrgSettings) -> Result<(), OrgProblem> {
    for (index, domain) in org.accepted_domains.iter().enumerate() {
        let carried = org.connectors.iter().any(|c| c.covers(&domain.name));
        if domain.kind == DomainType::InternalRelay && !carried {
            let at = FieldPath::key("accepted_domains").at(index).then("name");
            let message = format!(
                "{} is an internal_relay domain but no connector carries it; add it to the recipient_domains of the connector to the server that shares it",
                domain.name
            );
            return Err(OrgProblem::new(at, message));
        }
    }
    Ok(())
}

/// What works but is probably not meant: a domain carried only by a
/// disabled connector, an authoritative domain routed by MX (most likely
/// back to this relay), or one nobody in the directory is in.
pub fn warnings(org: &OrgSettings) -> Vec<OrgWarning> {
    let mut warnings = Vec::new();
    let mut warn = |field: FieldPath, message: String| warnings.push(OrgWarning { field, message });
    for (index, domain) in org.accepted_domains.iter().enumerate() {
        let name = &domain.name;
        let at = FieldPath::key("accepted_domains").at(index);
        if org.connector_for(name).is_none() {
            let disabled = org.connectors.iter().any(|c| !c.enabled && c.covers(name));
            if disabled {
                warn(
                    at.clone().then("name"),
                    format!(
                        "{name} is carried only by a disabled connector; its mail waits in the queue"
                    ),
                );
            } else if domain.kind == DomainType::Authoritative {
                warn(
                    at.clone().then("name"),
                    format!(
                        "no connector carries {name}: its mail will be delivered by MX, which may point back at this relay"
                    ),
                );
            }
        }
        let suffix = format!("@{name}");
        let listed = org
            .directory
            .recipients
            .iter()
            .any(|r| r.ends_with(&suffix));
        if domain.kind == DomainType::Authoritative && !listed {
            warn(
                at.then("type"),
                format!(
                    "{name} is authoritative but the directory lists nobody in it: every recipient will be refused"
                ),
            );
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::{ConnectorKind, TlsPolicy};
    use std::time::Duration;

    fn to(name: &str, domains: &[&str]) -> Connector {
        Connector {
            name: name.into(),
            kind: ConnectorKind::Partner,
            enabled: true,
            recipient_domains: domains.iter().map(|d| d.to_string()).collect(),
            smart_hosts: vec![],
            tls: TlsPolicy::Opportunistic,
            tls_name: None,
            connect_timeout: None,
            command_timeout: None,
            max_connections: 4,
        }
    }

    fn problem(settings: OrgSettings) -> (String, String) {
        let problem = org(settings).expect_err("the settings should be refused");
        (problem.field.to_string(), problem.message)
    }

    #[test]
    fn a_connectors_fields_are_named_from_the_organisation() {
        let mut bad = to("to-fabrikam", &["fabrikam.test"]);
        bad.smart_hosts = vec!["bad_host!:25".parse().unwrap()];
        let settings = OrgSettings {
            connectors: vec![to("a", &["a.test"]), to("b", &["b.test"]), bad],
            ..Default::default()
        };
        let (field, message) = problem(settings);
        assert_eq!(field, "connectors[2].smart_hosts[0]");
        assert!(message.contains("not a host name"), "{message}");
    }

    #[test]
    fn organisation_names_are_short_plain_ascii_without_separators() {
        for good in [
            "default",
            "contoso",
            "Contoso-2",
            "a",
            "acme.eu",
            "acme_eu",
            "0rg",
        ] {
            assert_eq!(org_name(good), Ok(()), "{good}");
        }
        let longest = "a".repeat(ORG_NAME_MAX);
        assert_eq!(org_name(&longest), Ok(()));
        for bad in [
            "", " ", "acme eu", "acme/eu", "acme:eu", ".acme", "-acme", "acmé", "acme\n",
        ] {
            assert!(org_name(bad).is_err(), "{bad:?}");
        }
        let too_long = org_name(&"a".repeat(ORG_NAME_MAX + 1)).unwrap_err();
        assert!(too_long.contains("longer than 63"), "{too_long}");
        let slash = org_name("acme/eu").unwrap_err();
        assert!(
            slash.contains("\"acme/eu\" is not an organisation name"),
            "{slash}"
        );
    }

    #[test]
    fn one_connector_alone_names_its_own_fields() {
        let mut zero = to("x", &["x.test"]);
        zero.max_connections = 0;
        assert_eq!(
            connector(zero).unwrap_err().field.to_string(),
            "max_connections"
        );
        let mut timeout = to("x", &["x.test"]);
        timeout.connect_timeout = Some(Duration::ZERO);
        assert_eq!(
            connector(timeout).unwrap_err().field.to_string(),
            "connect_timeout"
        );
        let error = connector(to("a b", &["x.test"])).unwrap_err();
        assert_eq!(error.field.to_string(), "name");
        let error = connector(to("x", &["not a domain"])).unwrap_err();
        assert_eq!(error.field.to_string(), "recipient_domains[0]");
        assert_eq!(
            connector(to("x", &[])).unwrap_err().field.to_string(),
            "recipient_domains"
        );
    }

    #[test]
    fn names_and_patterns_are_normalised() {
        let mut c = to(" x ", &["Contoso.Test.", "*.Fabrikam.test"]);
        c.tls_name = Some("Mail.Contoso.test".into());
        let c = connector(c).unwrap();
        assert_eq!(c.name, "x");
        assert_eq!(c.recipient_domains, ["contoso.test", "*.fabrikam.test"]);
        assert_eq!(c.tls_name.as_deref(), Some("mail.contoso.test"));
    }

    #[test]
    fn one_domain_on_two_enabled_connectors_names_both() {
        let settings = OrgSettings {
            connectors: vec![
                to("first", &["contoso.test"]),
                to("second", &["contoso.test"]),
            ],
            ..Default::default()
        };
        let (field, message) = problem(settings.clone());
        assert_eq!(field, "connectors[1].recipient_domains[0]");
        assert!(
            message.contains("\"first\"") && message.contains("\"second\""),
            "{message}"
        );
        let mut one_disabled = settings;
        one_disabled.connectors[1].enabled = false;
        assert!(org(one_disabled).is_ok());
    }

    #[test]
    fn duplicates_and_uncarried_relay_domains_are_refused() {
        let domain = |name: &str, kind| AcceptedDomain {
            name: name.into(),
            kind,
        };
        let twice = OrgSettings {
            accepted_domains: vec![
                domain("contoso.test", DomainType::Authoritative),
                domain("Contoso.test", DomainType::Authoritative),
            ],
            ..Default::default()
        };
        assert_eq!(problem(twice).0, "accepted_domains[1].name");
        let names = OrgSettings {
            connectors: vec![to("x", &["a.test"]), to("x", &["b.test"])],
            ..Default::default()
        };
        assert_eq!(problem(names).0, "connectors[1].name");
        let relay = OrgSettings {
            accepted_domains: vec![domain("contoso.test", DomainType::InternalRelay)],
            ..Default::default()
        };
        let (field, message) = problem(relay);
        assert_eq!(field, "accepted_domains[0].name");
        assert!(message.contains("no connector carries it"));
    }

    #[test]
    fn directory_entries_must_be_addresses() {
        let mut settings = OrgSettings::default();
        settings.directory.recipients.insert("bob".into());
        let (field, message) = problem(settings);
        assert_eq!(field, "directory.recipients");
        assert!(message.contains("\"bob\""));
        assert_eq!(
            directory_address(" Alice@Contoso.test ").unwrap(),
            "alice@contoso.test"
        );
        assert!(directory_address("*@contoso.test").is_ok());
    }

    #[test]
    fn paths_strip_their_prefix() {
        let path = FieldPath::key("connectors").at(2).then("smart_hosts").at(0);
        let prefix = FieldPath::key("connectors").at(2);
        assert_eq!(path.strip(&prefix).unwrap().to_string(), "smart_hosts[0]");
        assert!(path.strip(&FieldPath::key("connectors").at(1)).is_none());
    }
}
