//! `mailflow export`: a running node's organisation settings in the
//! config's format (`[[accepted_domains]]`, `[[connectors]]`,
//! `[directory]`), so that `mailflow export | mailflow apply -f - --yes`
//! changes nothing, and a file exported can be edited and applied.

use super::SettingsError;
use super::cli::ExportArgs;
use crate::queue::ClientError;
use mailflow_admin::OrgView;

/// Fetches the settings and returns them as TOML.
pub async fn run(args: &ExportArgs) -> Result<String, SettingsError> {
    let client = crate::node_access::settings_client(&args.api).await?;
    let view: OrgView = client.get_json("/api/v1/org", &[]).await?;
    let body = to_toml(&view)?;
    Ok(format!(
        "# The organisation settings of the node at {}, as `mailflow export` printed them.\n\
         # Change them and run `mailflow apply -f FILE` to make the node match.\n\n{}",
        args.api.api,
        body.trim_end()
    ))
}

/// The settings in the config's TOML.
pub fn to_toml(view: &OrgView) -> Result<String, SettingsError> {
    toml::to_string(view).map_err(|error| {
        SettingsError::Api(ClientError::Unexpected(format!(
            "the settings cannot be written as TOML: {error}"
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use mailflow_core::{
        AcceptedDomain, Connector, ConnectorKind, DomainType, OrgDiff, OrgSettings, TlsPolicy,
    };
    use std::path::Path;
    use std::time::Duration;

    /// Every kind of value a connector may hold, in the form it is stored.
    fn settings() -> OrgSettings {
        let mut settings = OrgSettings {
            accepted_domains: vec![
                AcceptedDomain {
                    name: "contoso.test".into(),
                    kind: DomainType::InternalRelay,
                },
                AcceptedDomain {
                    name: "fabrikam.test".into(),
                    kind: DomainType::Authoritative,
                },
            ],
            connectors: vec![
                Connector {
                    name: "to-onprem".into(),
                    kind: ConnectorKind::OnPremises,
                    enabled: true,
                    recipient_domains: vec!["contoso.test".into(), "*.contoso.test".into()],
                    smart_hosts: vec![
                        "[::1]:2525".parse().unwrap(),
                        "mail.contoso.test".parse().unwrap(),
                    ],
                    tls: TlsPolicy::VerifyName,
                    tls_name: Some("mail.contoso.test".into()),
                    connect_timeout: Some(Duration::from_secs(90)),
                    command_timeout: Some(Duration::from_millis(1500)),
                    max_connections: 3,
                },
                Connector {
                    name: "to-internet".into(),
                    kind: ConnectorKind::Partner,
                    enabled: false,
                    recipient_domains: vec!["*".into()],
                    smart_hosts: vec![],
                    tls: TlsPolicy::Opportunistic,
                    tls_name: None,
                    connect_timeout: None,
                    command_timeout: None,
                    max_connections: 10,
                },
            ],
            ..Default::default()
        };
        settings.directory.insert("alice@fabrikam.test");
        settings.directory.insert("*@sales.fabrikam.test");
        settings
    }

    #[test]
    fn exported_settings_read_back_as_the_same_settings() {
        let text = to_toml(&OrgView::from(&settings())).unwrap();
        let (read, _) = Config::parse_org(&text, Path::new("org.toml"), Path::new("."))
            .unwrap_or_else(|error| panic!("{error}\n{text}"));
        assert_eq!(read, settings(), "{text}");
        assert!(OrgDiff::between(&settings(), &read).is_empty());
    }
}
