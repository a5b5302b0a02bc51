//! An organisation's settings: accepted domains, connectors and directory.
//! They are seeded from the config and then kept in the store, so that edits
//! and fix actions survive restarts and are shared by all nodes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainType {
    /// Every mailbox is in the directory; anyone else is refused at RCPT.
    Authoritative,
    /// Shared with a server elsewhere; unknown recipients are relayed to it.
    InternalRelay,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedDomain {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: DomainType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    OnPremises,
    Partner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsPolicy {
    /// STARTTLS when offered, any certificate accepted, problems recorded.
    #[default]
    Opportunistic,
    /// Encryption mandatory, certificate not checked.
    Required,
    /// The certificate must chain to a trusted CA and be in date.
    VerifyCa,
    /// As `VerifyCa`, and the certificate must name the host (or `tls_name`).
    VerifyName,
}

impl TlsPolicy {
    pub fn requires_tls(self) -> bool {
        !matches!(self, TlsPolicy::Opportunistic)
    }

    pub fn verifies_certificate(self) -> bool {
        matches!(self, TlsPolicy::VerifyCa | TlsPolicy::VerifyName)
    }
}

/// A smart host: a name or IP address, with an optional port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmartHost {
    pub host: String,
    pub port: Option<u16>,
}

impl fmt::Display for SmartHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bracketed = self.host.contains(':');
        match (self.port, bracketed) {
            (Some(port), true) => write!(f, "[{}]:{port}", self.host),
            (Some(port), false) => write!(f, "{}:{port}", self.host),
            (None, true) => write!(f, "[{}]", self.host),
            (None, false) => f.write_str(&self.host),
        }
    }
}

impl FromStr for SmartHost {
    type Err = String;
    /// `mail.example.test`, `mail.example.test:2525`, `192.0.2.1:25`, `[::1]:25`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err("a smart host cannot be empty".into());
        }
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or(format!("missing ']' in {s:?}"))?;
            match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None if after.is_empty() => (host, None),
                None => return Err(format!("unexpected {after:?} after ']' in {s:?}")),
            }
        } else if s.matches(':').count() > 1 {
            (s, None) // a bare IPv6 address
        } else {
            match s.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (s, None),
            }
        };
        let port = port
            .map(|p| {
                p.parse::<u16>()
                    .map_err(|_| format!("{p:?} is not a port number in {s:?}"))
            })
            .transpose()?;
        if host.is_empty() || host.chars().any(|c| c.is_whitespace()) {
            return Err(format!("{s:?} is not a host name or address"));
        }
        Ok(SmartHost {
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

impl Serialize for SmartHost {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SmartHost {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Connections a connector opens at once when it does not say.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10;

/// An outbound route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connector {
    pub name: String,
    pub kind: ConnectorKind,
    pub enabled: bool,
    /// Which recipient domains it carries; `*` carries every domain, and
    /// `*.example.test` every subdomain of example.test.
    pub recipient_domains: Vec<String>,
    /// Tried in order. Empty: route by the recipient domain's MX records.
    pub smart_hosts: Vec<SmartHost>,
    pub tls: TlsPolicy,
    /// The name `verify_name` expects; default: the host connected to.
    pub tls_name: Option<String>,
    /// Overrides the node's `[delivery]` time-outs for this connector.
    #[serde(with = "opt_duration_secs", default)]
    pub connect_timeout: Option<Duration>,
    #[serde(with = "opt_duration_secs", default)]
    pub command_timeout: Option<Duration>,
    /// Connections open at once to this connector's next hop.
    pub max_connections: usize,
}

impl Connector {
    pub fn covers(&self, domain: &str) -> bool {
        self.recipient_domains
            .iter()
            .any(|pattern| domain_matches(pattern, domain))
    }

    /// How specific the best matching pattern is, so that `contoso.test`
    /// wins over `*.test` wins over `*`.
    pub fn match_specificity(&self, domain: &str) -> Option<usize> {
        self.recipient_domains
            .iter()
            .filter(|pattern| domain_matches(pattern, domain))
            .map(|pattern| if pattern == "*" { 0 } else { pattern.len() })
            .max()
    }
}

fn domain_matches(pattern: &str, domain: &str) -> bool {
    let domain = domain.to_ascii_lowercase();
    let pattern = pattern.to_ascii_lowercase();
    if pattern == "*" {
        return true;
    }
    if let Some(parent) = pattern.strip_prefix("*.") {
        return domain.len() > parent.len() + 1 && domain.ends_with(&format!(".{parent}"));
    }
    pattern == domain
}

/// The organisation's known recipients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    /// Lower-case addresses, and `*@domain` for a whole domain.
    pub recipients: BTreeSet<String>,
}

impl Directory {
    pub fn contains(&self, address: &str) -> bool {
        let address = address.to_ascii_lowercase();
        if self.recipients.contains(&address) {
            return true;
        }
        match address.rsplit_once('@') {
            Some((_, domain)) => self.recipients.contains(&format!("*@{domain}")),
            None => false,
        }
    }

    pub fn insert(&mut self, address: &str) {
        self.recipients.insert(address.trim().to_ascii_lowercase());
    }
}

/// Everything an organisation has configured.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSettings {
    pub accepted_domains: Vec<AcceptedDomain>,
    pub connectors: Vec<Connector>,
    pub directory: Directory,
}

impl OrgSettings {
    pub fn accepted_domain(&self, domain: &str) -> Option<&AcceptedDomain> {
        self.accepted_domains
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(domain))
    }

    pub fn connector(&self, name: &str) -> Option<&Connector> {
        self.connectors.iter().find(|c| c.name == name)
    }

    /// The enabled connector whose `recipient_domains` covers the domain most
    /// specifically; among equals, the first listed.
    pub fn connector_for(&self, domain: &str) -> Option<&Connector> {
        let mut best: Option<(&Connector, usize)> = None;
        for connector in self.connectors.iter().filter(|c| c.enabled) {
            if let Some(score) = connector.match_specificity(domain)
                && best.is_none_or(|(_, best_score)| score > best_score)
            {
                best = Some((connector, score));
            }
        }
        best.map(|(connector, _)| connector)
    }
}

mod opt_duration_secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => s.serialize_some(&d.as_secs_f64()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.map(Duration::from_secs_f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_hosts_parse_names_ports_and_ipv6() {
        let host: SmartHost = "Mail.Contoso.test:2525".parse().unwrap();
        assert_eq!(
            (host.host.as_str(), host.port),
            ("mail.contoso.test", Some(2525))
        );
        let host: SmartHost = "[::1]:25".parse().unwrap();
        assert_eq!((host.host.as_str(), host.port), ("::1", Some(25)));
        assert_eq!(host.to_string(), "[::1]:25");
        assert!("mail.test:notaport".parse::<SmartHost>().is_err());
    }

    #[test]
    fn the_most_specific_enabled_connector_wins() {
        let connector = |name: &str, domains: &[&str], enabled: bool| Connector {
            name: name.into(),
            kind: ConnectorKind::Partner,
            enabled,
            recipient_domains: domains.iter().map(|d| d.to_string()).collect(),
            smart_hosts: vec![],
            tls: TlsPolicy::Opportunistic,
            tls_name: None,
            connect_timeout: None,
            command_timeout: None,
            max_connections: 4,
        };
        let org = OrgSettings {
            connectors: vec![
                connector("all", &["*"], true),
                connector("sub", &["*.fabrikam.test"], true),
                connector("exact", &["eu.fabrikam.test"], true),
                connector("off", &["eu.fabrikam.test"], false),
            ],
            ..Default::default()
        };
        assert_eq!(org.connector_for("eu.fabrikam.test").unwrap().name, "exact");
        assert_eq!(org.connector_for("us.fabrikam.test").unwrap().name, "sub");
        assert_eq!(org.connector_for("fabrikam.test").unwrap().name, "all");
    }

    #[test]
    fn directory_knows_addresses_and_whole_domains() {
        let mut directory = Directory::default();
        directory.insert("Alice@Contoso.test");
        directory.insert("*@sales.contoso.test");
        assert!(directory.contains("alice@contoso.test"));
        assert!(directory.contains("anyone@sales.contoso.test"));
        assert!(!directory.contains("bob@contoso.test"));
    }
}
