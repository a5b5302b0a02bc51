//! Routing one recipient at `RCPT` (SPEC section 2): is it ours to take, and
//! where does it go from here?
//!
//! - A domain the organisation accepts is always received, from anyone:
//!   that is receiving, not relaying. Authoritative domains take only the
//!   recipients in the directory; internal-relay domains take everyone. Both
//!   go through the enabled connector that covers the domain; an accepted
//!   domain with no such connector is a configuration problem, answered with
//!   a temporary refusal so nothing is lost while an administrator fixes it.
//! - Any other domain is relaying, allowed only to trusted clients: through
//!   the partner connector that covers the domain, else by its MX records.

use mailflow_core::{
    ConnectorKind, DomainType, EnhancedCode, Mailbox, OrgSettings, Route, RouteReason,
};
use mailflow_smtp::server::Reply;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteRefusal {
    /// Not `local@domain`.
    #[error("{address:?} is not a valid recipient address")]
    BadAddress { address: String },
    /// An authoritative domain, and the directory does not know the address.
    #[error("recipient {address} not found")]
    RecipientNotFound { address: Mailbox },
    /// A domain the organisation does not accept, from a client that may not relay.
    #[error("relaying to {domain} denied")]
    RelayDenied { domain: String },
    /// An accepted domain that no enabled connector covers.
    #[error("accepted domain {domain} has no enabled connector covering it")]
    NoConnector { domain: String },
    /// `<postmaster>`, with no administrator address and no accepted domain.
    #[error("no administrator address or accepted domain to deliver postmaster mail to")]
    NoPostmaster,
}

impl RouteRefusal {
    /// `501 5.1.3` bad address, `550 5.1.10` unknown recipient, `550 5.7.1`
    /// relay denied, `451 4.4.0` accepted domain without a connector or
    /// nowhere to deliver postmaster mail.
    pub fn reply(&self) -> Reply {
        match self {
            RouteRefusal::BadAddress { .. } => {
                Reply::new(501, EnhancedCode(5, 1, 3), format!("{self}"))
            }
            RouteRefusal::RecipientNotFound { address } => Reply::new(
                550,
                EnhancedCode(5, 1, 10),
                format!(
                    "recipient <{}> not found: no such mailbox in this organisation",
                    address.smtp()
                ),
            ),
            RouteRefusal::RelayDenied { domain } => Reply::new(
                550,
                EnhancedCode(5, 7, 1),
                format!(
                    "relaying denied: {domain} is not a domain accepted here, and this client may not relay"
                ),
            ),
            RouteRefusal::NoPostmaster => Reply::new(
                451,
                EnhancedCode(4, 4, 0),
                format!("configuration problem: {self}; try again later"),
            ),
            RouteRefusal::NoConnector { domain } => Reply::new(
                451,
                EnhancedCode(4, 4, 0),
                format!(
                    "configuration problem: accepted domain {domain} has no enabled connector to deliver through; try again later"
                ),
            ),
        }
    }
}

/// Routes one recipient given as text (an administrator's address, a
/// report's sender): read as a [`Mailbox`] first, or refused as a bad address.
pub fn route_recipient(
    org: &OrgSettings,
    address: &str,
    may_relay: bool,
) -> Result<Route, RouteRefusal> {
    let mailbox = Mailbox::parse(address).map_err(|_| RouteRefusal::BadAddress {
        address: address.to_string(),
    })?;
    route_mailbox(org, &mailbox, may_relay)
}

/// Routes one recipient by the domain it will be written with. `may_relay`:
/// the client is in the trusted networks or logged in. `postmaster@` an
/// authoritative domain is taken whether the directory lists it or not
/// (RFC 5321 4.5.1).
pub fn route_mailbox(
    org: &OrgSettings,
    mailbox: &Mailbox,
    may_relay: bool,
) -> Result<Route, RouteRefusal> {
    let domain = mailbox.domain().to_ascii_lowercase();
    let address = mailbox.as_str();
    let Some(accepted) = org.accepted_domain(&domain) else {
        if !may_relay {
            return Err(RouteRefusal::RelayDenied { domain });
        }
        let connector = partner_connector_for(org, &domain).map(|name| name.to_string());
        return Ok(Route { connector, domain });
    };
    if accepted.kind == DomainType::Authoritative
        && !org.directory.contains(address)
        && !mailbox.is_postmaster()
    {
        return Err(RouteRefusal::RecipientNotFound {
            address: mailbox.clone(),
        });
    }
    match org.connector_for(&domain) {
        Some(connector) => Ok(Route {
            connector: Some(connector.name.clone()),
            domain,
        }),
        None => Err(RouteRefusal::NoConnector { domain }),
    }
}

/// The queue key of a route in the organisation `org_name`, whose
/// settings `org` are: its connector's name when the connector has smart
/// hosts, else per domain (see `Route::next_hop`).
pub fn next_hop(org_name: &str, org: &OrgSettings, route: &Route) -> String {
    let has_smart_hosts = route
        .connector
        .as_deref()
        .and_then(|name| org.connector(name))
        .is_some_and(|connector| !connector.smart_hosts.is_empty());
    route.next_hop(org_name, has_smart_hosts)
}

/// Why `route_mailbox` gave `route`, for the trace's `routed` event: an
/// accepted domain through its connector, a partner connector's domain, or
/// the domain's MX.
pub fn route_reason(org: &OrgSettings, route: &Route) -> RouteReason {
    let domain = route.domain.clone();
    match (&route.connector, org.accepted_domain(&route.domain)) {
        (Some(_), Some(accepted)) => RouteReason::AcceptedDomain {
            domain,
            domain_type: accepted.kind,
        },
        (Some(_), None) => RouteReason::PartnerDomain { domain },
        (None, _) => RouteReason::Mx { domain },
    }
}

/// The enabled partner connector covering the domain most specifically.
fn partner_connector_for<'a>(org: &'a OrgSettings, domain: &str) -> Option<&'a str> {
    let mut best: Option<(&str, usize)> = None;
    let partners = org
        .connectors
        .iter()
        .filter(|c| c.enabled && c.kind == ConnectorKind::Partner);
    for connector in partners {
        if let Some(score) = connector.match_specificity(domain)
            && best.is_none_or(|(_, best_score)| score > best_score)
        {
            best = Some((&connector.name, score));
        }
    }
    best.map(|(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::{AcceptedDomain, Connector, SmartHost, TlsPolicy};

    fn connector(
        name: &str,
        kind: ConnectorKind,
        domains: &[&str],
        smart_hosts: &[&str],
    ) -> Connector {
        Connector {
            name: name.into(),
            kind,
            enabled: true,
            recipient_domains: domains.iter().map(|d| d.to_string()).collect(),
            smart_hosts: smart_hosts
                .iter()
                .map(|h| h.parse::<SmartHost>().unwrap())
                .collect(),
            tls: TlsPolicy::Opportunistic,
            tls_name: None,
            connect_timeout: None,
            command_timeout: None,
            max_connections: 4,
        }
    }

    fn org() -> OrgSettings {
        let mut org = OrgSettings {
            accepted_domains: vec![
                AcceptedDomain {
                    name: "contoso.test".into(),
                    kind: DomainType::Authoritative,
                },
                AcceptedDomain {
                    name: "hybrid.test".into(),
                    kind: DomainType::InternalRelay,
                },
                AcceptedDomain {
                    name: "orphan.test".into(),
                    kind: DomainType::InternalRelay,
                },
            ],
            connectors: vec![
                connector(
                    "onprem",
                    ConnectorKind::OnPremises,
                    &["contoso.test", "hybrid.test"],
                    &["10.0.0.5:25"],
                ),
                connector("fabrikam", ConnectorKind::Partner, &["fabrikam.test"], &[]),
                connector(
                    "everything-onprem",
                    ConnectorKind::OnPremises,
                    &["*.example.test"],
                    &[],
                ),
            ],
            ..Default::default()
        };
        org.directory.insert("alice@contoso.test");
        org
    }

    fn via(connector: Option<&str>, domain: &str) -> Route {
        Route {
            connector: connector.map(str::to_string),
            domain: domain.into(),
        }
    }

    #[test]
    fn authoritative_domain_takes_directory_recipients_through_its_connector() {
        let route = route_recipient(&org(), "Alice@Contoso.test", false).unwrap();
        assert_eq!(route, via(Some("onprem"), "contoso.test"));
        assert_eq!(next_hop("acme", &org(), &route), "acme/onprem");
    }

    #[test]
    fn authoritative_domain_refuses_unknown_recipients_with_5_1_10() {
        let refusal = route_recipient(&org(), "bob@contoso.test", true).unwrap_err();
        assert_eq!(
            refusal,
            RouteRefusal::RecipientNotFound {
                address: Mailbox::parse("bob@contoso.test").unwrap()
            }
        );
        assert_eq!(refusal.reply().code(), 550);
        assert_eq!(refusal.reply().enhanced(), Some(EnhancedCode(5, 1, 10)));
    }

    #[test]
    fn internal_relay_domain_takes_every_recipient_from_anyone() {
        let route = route_recipient(&org(), "nobody-known@hybrid.test", false).unwrap();
        assert_eq!(route, via(Some("onprem"), "hybrid.test"));
    }

    #[test]
    fn accepted_domain_without_connector_is_a_temporary_configuration_refusal() {
        let refusal = route_recipient(&org(), "x@orphan.test", true).unwrap_err();
        assert_eq!(
            refusal,
            RouteRefusal::NoConnector {
                domain: "orphan.test".into()
            }
        );
        let reply = refusal.reply();
        assert_eq!(
            (reply.code(), reply.enhanced()),
            (451, Some(EnhancedCode(4, 4, 0)))
        );
        assert!(reply.lines()[0].contains("configuration problem"));
    }

    #[test]
    fn disabled_connector_does_not_carry_an_accepted_domain() {
        let mut org = org();
        org.connectors[0].enabled = false;
        let refusal = route_recipient(&org, "alice@contoso.test", false).unwrap_err();
        assert_eq!(
            refusal,
            RouteRefusal::NoConnector {
                domain: "contoso.test".into()
            }
        );
    }

    #[test]
    fn other_domains_are_refused_to_untrusted_clients_with_5_7_1() {
        let refusal = route_recipient(&org(), "someone@elsewhere.test", false).unwrap_err();
        assert_eq!(
            refusal,
            RouteRefusal::RelayDenied {
                domain: "elsewhere.test".into()
            }
        );
        assert_eq!(refusal.reply().enhanced(), Some(EnhancedCode(5, 7, 1)));
        assert!(route_recipient(&org(), "x@fabrikam.test", false).is_err());
    }

    #[test]
    fn trusted_clients_relay_through_the_covering_partner_connector() {
        let route = route_recipient(&org(), "x@Fabrikam.test", true).unwrap();
        assert_eq!(route, via(Some("fabrikam"), "fabrikam.test"));
        assert_eq!(
            next_hop("acme", &org(), &route),
            "acme/fabrikam/fabrikam.test"
        );
    }

    #[test]
    fn trusted_clients_relay_other_domains_by_mx() {
        let route = route_recipient(&org(), "x@elsewhere.test", true).unwrap();
        assert_eq!(route, via(None, "elsewhere.test"));
        assert_eq!(next_hop("acme", &org(), &route), "acme/mx/elsewhere.test");
    }

    #[test]
    fn relaying_never_goes_through_an_on_premises_connector() {
        let route = route_recipient(&org(), "x@sub.example.test", true).unwrap();
        assert_eq!(route, via(None, "sub.example.test"));
    }

    #[test]
    fn each_route_says_why() {
        let org = org();
        let reason = |address: &str| {
            let route = route_recipient(&org, address, true).unwrap();
            route_reason(&org, &route)
        };
        assert_eq!(
            reason("x@hybrid.test"),
            RouteReason::AcceptedDomain {
                domain: "hybrid.test".into(),
                domain_type: DomainType::InternalRelay
            }
        );
        assert_eq!(
            reason("x@fabrikam.test"),
            RouteReason::PartnerDomain {
                domain: "fabrikam.test".into()
            }
        );
        assert_eq!(
            reason("x@elsewhere.test"),
            RouteReason::Mx {
                domain: "elsewhere.test".into()
            }
        );
    }

    #[test]
    fn addresses_without_local_part_or_domain_are_bad() {
        for address in ["", "nodomain", "@contoso.test", "alice@"] {
            assert!(matches!(
                route_recipient(&org(), address, true),
                Err(RouteRefusal::BadAddress { .. })
            ));
        }
    }

    #[test]
    fn postmaster_of_an_authoritative_domain_is_taken_without_being_listed() {
        let route = route_recipient(&org(), "PostMaster@contoso.test", false).unwrap();
        assert_eq!(route, via(Some("onprem"), "contoso.test"));
        assert!(route_recipient(&org(), "postmasters@contoso.test", false).is_err());
    }

    #[test]
    fn percent_hack_and_bang_path_forms_stay_with_the_domain_they_are_written_to() {
        for address in [
            "v%ext.example@hybrid.test",
            "ext.example!v@hybrid.test",
            "v%ext.example%hybrid.test@hybrid.test",
        ] {
            let route = route_recipient(&org(), address, false).unwrap();
            assert_eq!(route.domain, "hybrid.test", "{address}");
        }
        assert!(matches!(
            route_recipient(&org(), "v%hybrid.test@ext.example", false),
            Err(RouteRefusal::RelayDenied { .. })
        ));
    }
}
