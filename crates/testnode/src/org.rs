//! Organisation settings for tests: connectors to loopback peers.

use mailflow_core::{
    AcceptedDomain, Connector, ConnectorKind, Directory, DomainType, OrgSettings, SmartHost,
    TlsPolicy,
};
use std::net::SocketAddr;

pub fn connector(
    name: &str,
    kind: ConnectorKind,
    domains: &[&str],
    hosts: &[SocketAddr],
) -> Connector {
    Connector {
        name: name.into(),
        kind,
        enabled: true,
        recipient_domains: domains.iter().map(|d| d.to_string()).collect(),
        smart_hosts: hosts
            .iter()
            .map(|a| a.to_string().parse::<SmartHost>().unwrap())
            .collect(),
        tls: TlsPolicy::Opportunistic,
        tls_name: None,
        connect_timeout: None,
        command_timeout: None,
        max_connections: 4,
    }
}

/// contoso.test (internal relay, on premises at `onprem`, alice in the
/// directory) and a partner connector for example.test at `partner`, where
/// senders' reports go.
pub fn org(onprem: SocketAddr, partner: SocketAddr) -> OrgSettings {
    let mut directory = Directory::default();
    directory.insert("alice@contoso.test");
    OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "contoso.test".into(),
            kind: DomainType::InternalRelay,
        }],
        connectors: vec![
            connector(
                "to-onprem",
                ConnectorKind::OnPremises,
                &["contoso.test"],
                &[onprem],
            ),
            connector(
                "to-partner",
                ConnectorKind::Partner,
                &["example.test"],
                &[partner],
            ),
        ],
        directory,
    }
}

/// Some loopback address for settings that are never dialled.
pub fn unused_addr() -> SocketAddr {
    "127.0.0.1:9".parse().unwrap()
}
