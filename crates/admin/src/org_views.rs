//! The organisation's settings as the API reads and writes them: the
//! config's own field names and forms (`smart_hosts` as `host:port`,
//! time-outs as `"30s"`), so a connector reads the same in the file, the
//! API and the CLI. Reading a view back checks every value as the config
//! does (`mailflow_core::org_check`), naming the field.

use crate::error::ApiError;
use mailflow_core::org::DEFAULT_MAX_CONNECTIONS;
use mailflow_core::org_diff::human_duration;
use mailflow_core::{
    AcceptedDomain, Connector, ConnectorKind, Directory, DomainType, FieldPath, OrgProblem,
    OrgSettings, SmartHost, TlsPolicy, org_check,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

/// An outbound route, as `[[connectors]]` in the config writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectorView {
    /// Unique; no spaces or `/`. In a `PUT` it may be left out (the path names it).
    #[serde(default)]
    pub name: String,
    /// `on_premises` or `partner`.
    #[schema(value_type = String, example = "on_premises")]
    pub kind: ConnectorKind,
    /// The recipient domains it carries: `contoso.test`, `*.contoso.test`, or `*`.
    #[serde(default)]
    pub recipient_domains: Vec<String>,
    /// Tried in order, `host` or `host:port`; empty: route by MX.
    #[serde(default)]
    pub smart_hosts: Vec<String>,
    /// `opportunistic` (default), `required`, `verify_ca` or `verify_name`.
    #[serde(default)]
    #[schema(value_type = String, example = "opportunistic")]
    pub tls: TlsPolicy,
    /// The name `verify_name` expects; default the host connected to.
    #[serde(default)]
    pub tls_name: Option<String>,
    /// Default `true`.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// Connections open at once to its next hop; default 10.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// E.g. `"30s"`; default the node's `[delivery]` time-out.
    #[serde(default)]
    pub connect_timeout: Option<String>,
    /// E.g. `"5m"`; default the node's `[delivery]` time-out.
    #[serde(default)]
    pub command_timeout: Option<String>,
}

fn enabled_by_default() -> bool {
    true
}

fn default_max_connections() -> usize {
    DEFAULT_MAX_CONNECTIONS
}

impl From<&Connector> for ConnectorView {
    fn from(connector: &Connector) -> Self {
        ConnectorView {
            name: connector.name.clone(),
            kind: connector.kind,
            recipient_domains: connector.recipient_domains.clone(),
            smart_hosts: connector
                .smart_hosts
                .iter()
                .map(ToString::to_string)
                .collect(),
            tls: connector.tls,
            tls_name: connector.tls_name.clone(),
            enabled: connector.enabled,
            max_connections: connector.max_connections,
            connect_timeout: connector.connect_timeout.map(human_duration),
            command_timeout: connector.command_timeout.map(human_duration),
        }
    }
}

impl ConnectorView {
    /// The connector, checked on its own; errors name its fields.
    pub fn to_connector(&self) -> Result<Connector, ApiError> {
        let mut smart_hosts = Vec::with_capacity(self.smart_hosts.len());
        for (index, text) in self.smart_hosts.iter().enumerate() {
            let host: SmartHost = text.parse().map_err(|message| ApiError::Invalid {
                field: format!("smart_hosts[{index}]"),
                message,
            })?;
            smart_hosts.push(host);
        }
        let connector = Connector {
            name: self.name.clone(),
            kind: self.kind,
            enabled: self.enabled,
            recipient_domains: self.recipient_domains.clone(),
            smart_hosts,
            tls: self.tls,
            tls_name: self.tls_name.clone(),
            connect_timeout: duration("connect_timeout", self.connect_timeout.as_deref())?,
            command_timeout: duration("command_timeout", self.command_timeout.as_deref())?,
            max_connections: self.max_connections,
        };
        org_check::connector(connector).map_err(|problem| invalid(problem, None))
    }
}

fn duration(field: &str, text: Option<&str>) -> Result<Option<Duration>, ApiError> {
    let Some(text) = text else { return Ok(None) };
    match humantime::parse_duration(text.trim()) {
        Ok(duration) => Ok(Some(duration)),
        Err(error) => Err(ApiError::Invalid {
            field: field.to_string(),
            message: format!(
                "{text:?} is not a duration ({error}); write a number with a unit, e.g. \"30s\", \"5m\", \"1h\""
            ),
        }),
    }
}

/// An accepted domain: `{"name", "type": "authoritative"|"internal_relay"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainView {
    /// In a `PUT` it may be left out (the path names it).
    #[serde(default)]
    pub name: String,
    /// `authoritative`: only the directory's recipients are taken;
    /// `internal_relay`: unknown recipients go on to the server that shares it.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "authoritative")]
    pub kind: DomainType,
}

impl From<&AcceptedDomain> for DomainView {
    fn from(domain: &AcceptedDomain) -> Self {
        DomainView {
            name: domain.name.clone(),
            kind: domain.kind,
        }
    }
}

impl DomainView {
    pub fn to_domain(&self) -> Result<AcceptedDomain, ApiError> {
        let domain = AcceptedDomain {
            name: self.name.clone(),
            kind: self.kind,
        };
        org_check::accepted_domain(domain).map_err(|problem| invalid(problem, None))
    }
}

/// The directory: lower-case addresses, and `*@domain` for a whole domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryView {
    #[serde(default)]
    pub recipients: Vec<String>,
}

/// The organisation's settings whole, as `GET /org` answers and
/// `PUT /org` takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgView {
    #[serde(default)]
    pub accepted_domains: Vec<DomainView>,
    #[serde(default)]
    pub connectors: Vec<ConnectorView>,
    #[serde(default)]
    pub directory: DirectoryView,
}

impl From<&OrgSettings> for OrgView {
    fn from(org: &OrgSettings) -> Self {
        OrgView {
            accepted_domains: org.accepted_domains.iter().map(DomainView::from).collect(),
            connectors: org.connectors.iter().map(ConnectorView::from).collect(),
            directory: DirectoryView {
                recipients: org.directory.recipients.iter().cloned().collect(),
            },
        }
    }
}

impl OrgView {
    /// The settings, checked whole; errors name the field from the top
    /// (`connectors[2].smart_hosts[0]`).
    pub fn to_settings(&self) -> Result<OrgSettings, ApiError> {
        org_check::org(self.each_to_settings()?).map_err(|problem| invalid(problem, None))
    }

    /// The settings with each domain, connector and entry checked on its
    /// own, not the whole (names listed twice, domains carried twice): how
    /// a client reads the settings a node has, to compare them.
    pub fn each_to_settings(&self) -> Result<OrgSettings, ApiError> {
        let within = |prefix: String, error: ApiError| match error {
            ApiError::Invalid { field, message } => ApiError::Invalid {
                field: format!("{prefix}.{field}"),
                message,
            },
            other => other,
        };
        let mut accepted_domains = Vec::new();
        for (index, view) in self.accepted_domains.iter().enumerate() {
            let domain = view
                .to_domain()
                .map_err(|e| within(format!("accepted_domains[{index}]"), e))?;
            accepted_domains.push(domain);
        }
        let mut connectors = Vec::new();
        for (index, view) in self.connectors.iter().enumerate() {
            let connector = view
                .to_connector()
                .map_err(|e| within(format!("connectors[{index}]"), e))?;
            connectors.push(connector);
        }
        let mut directory = Directory::default();
        for (index, address) in self.directory.recipients.iter().enumerate() {
            let address =
                org_check::directory_address(address).map_err(|message| ApiError::Invalid {
                    field: format!("directory.recipients[{index}]"),
                    message,
                })?;
            directory.recipients.insert(address);
        }
        Ok(OrgSettings {
            accepted_domains,
            connectors,
            directory,
        })
    }
}

/// A problem of the settings as the API's error; with `scope`, a field
/// inside it (the connector being edited) is named from there.
pub(crate) fn invalid(problem: OrgProblem, scope: Option<&FieldPath>) -> ApiError {
    let field = scope
        .and_then(|scope| problem.field.strip(scope))
        .unwrap_or(problem.field);
    ApiError::Invalid {
        field: field.to_string(),
        message: problem.message,
    }
}

/// A JSON body read into `T`; a value of the wrong shape, an unknown field
/// or a missing one is named.
pub(crate) fn from_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = inner.to_string();
        let field = if path == "." || path.is_empty() {
            quoted_field(&message).unwrap_or_else(|| "body".to_string())
        } else {
            path
        };
        ApiError::Invalid { field, message }
    })
}

/// The field a serde message quotes: "missing field `kind`".
fn quoted_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

/// The body as a JSON value, for bodies that take more than one shape.
pub(crate) fn json_value(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice(body).map_err(|error| ApiError::Invalid {
        field: "body".into(),
        message: format!("the body is not JSON: {error}"),
    })
}

/// Serialises a view for the audit log.
pub(crate) fn audit_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("settings views serialize to JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connector_reads_with_the_configs_defaults_and_names_bad_fields() {
        let view: ConnectorView =
            from_json(br#"{"name":"x","kind":"partner","recipient_domains":["a.test"]}"#).unwrap();
        assert!(view.enabled);
        assert_eq!(view.max_connections, DEFAULT_MAX_CONNECTIONS);
        let error = from_json::<ConnectorView>(br#"{"name":"x","kind":"partner","smart_host":[]}"#)
            .unwrap_err();
        assert!(
            matches!(&error, ApiError::Invalid { field, .. } if field == "smart_host"),
            "{error:?}"
        );
        let error = from_json::<ConnectorView>(br#"{"name":"x"}"#).unwrap_err();
        assert!(matches!(&error, ApiError::Invalid { field, .. } if field == "kind"));
        let mut bad = view.clone();
        bad.smart_hosts = vec!["mail.test:notaport".into()];
        let error = bad.to_connector().unwrap_err();
        assert!(matches!(&error, ApiError::Invalid { field, .. } if field == "smart_hosts[0]"));
        bad.smart_hosts = vec![];
        bad.connect_timeout = Some("soon".into());
        let error = bad.to_connector().unwrap_err();
        assert!(matches!(&error, ApiError::Invalid { field, .. } if field == "connect_timeout"));
    }

    #[test]
    fn a_connector_reads_back_as_it_was_written() {
        let view = ConnectorView {
            name: "to-onprem".into(),
            kind: ConnectorKind::OnPremises,
            recipient_domains: vec!["contoso.test".into()],
            smart_hosts: vec!["mail.contoso.test:2525".into()],
            tls: TlsPolicy::VerifyName,
            tls_name: Some("mail.contoso.test".into()),
            enabled: false,
            max_connections: 3,
            connect_timeout: Some("30s".into()),
            command_timeout: Some("1h30m".into()),
        };
        let connector = view.to_connector().unwrap();
        assert_eq!(connector.command_timeout, Some(Duration::from_secs(5400)));
        assert_eq!(ConnectorView::from(&connector), view);
    }
}
