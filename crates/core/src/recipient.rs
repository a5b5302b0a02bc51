//! A recipient's state and route. Each recipient of a message moves on its
//! own: one can be delivered while another is deferred.

use crate::DomainType;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientState {
    Queued,
    InFlight,
    Deferred,
    Delivered,
    Failed,
    Suspended,
}

impl RecipientState {
    pub const ALL: [RecipientState; 6] = [
        RecipientState::Queued,
        RecipientState::InFlight,
        RecipientState::Deferred,
        RecipientState::Delivered,
        RecipientState::Failed,
        RecipientState::Suspended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecipientState::Queued => "queued",
            RecipientState::InFlight => "in_flight",
            RecipientState::Deferred => "deferred",
            RecipientState::Delivered => "delivered",
            RecipientState::Failed => "failed",
            RecipientState::Suspended => "suspended",
        }
    }

    /// Still the relay's responsibility.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            RecipientState::Queued
                | RecipientState::InFlight
                | RecipientState::Deferred
                | RecipientState::Suspended
        )
    }
}

impl fmt::Display for RecipientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecipientState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecipientState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| format!("unknown state {s:?}; expected one of queued, in_flight, deferred, delivered, failed, suspended"))
    }
}

/// Where a recipient goes: through a connector, or by its domain's MX.
/// Recipients with the same `next_hop` are delivered together and share a
/// queue: when the next hop fails at connection level, they all wait.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Route {
    /// The connector carrying the recipient; `None` for ordinary internet mail.
    pub connector: Option<String>,
    /// The recipient's domain (lower case).
    pub domain: String,
}

impl Route {
    /// The queue key, in the organisation `org` whose mail it carries: a
    /// connector with smart hosts is one next hop for all its domains, MX
    /// routing one next hop per domain — `acme/to-onprem`,
    /// `acme/to-partner/fabrikam.test`, `acme/mx/fabrikam.test`. Each
    /// organisation has queues of its own, so that one's held or slow
    /// connector never holds back another's of the same name.
    pub fn next_hop(&self, org: &str, connector_has_smart_hosts: bool) -> String {
        match (&self.connector, connector_has_smart_hosts) {
            (Some(name), true) => format!("{org}/{name}"),
            (Some(name), false) => format!("{org}/{name}/{}", self.domain),
            (None, _) => format!("{org}/mx/{}", self.domain),
        }
    }

    /// The connector a queue key made by `next_hop` belongs to, if any.
    pub fn connector_of(next_hop: &str) -> Option<&str> {
        let (_, hop) = Route::split_next_hop(next_hop);
        if hop.starts_with("mx/") {
            return None;
        }
        Some(hop.split_once('/').map_or(hop, |(connector, _)| connector))
    }

    /// A queue key made by `next_hop` taken apart: the organisation, and
    /// the next hop within it (what an operator of that organisation sees,
    /// e.g. `to-onprem`). Organisation names hold no `/`.
    pub fn split_next_hop(next_hop: &str) -> (&str, &str) {
        next_hop.split_once('/').unwrap_or(("", next_hop))
    }

    /// The next hop as `org`'s operators see it: `next_hop` without the
    /// organisation in front (unchanged when it has another's, or none, as
    /// in events written before queue keys named their organisation).
    pub fn hop_in_org<'k>(org: &str, next_hop: &'k str) -> &'k str {
        next_hop
            .strip_prefix(org)
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(next_hop)
    }

    /// The queue key of `org`'s next hop named as its operators see it (the
    /// inverse of `hop_in_org`).
    pub fn qualify_hop(org: &str, hop: &str) -> String {
        format!("{org}/{hop}")
    }
}

/// Why a recipient took its route, as the receiver decided it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum RouteReason {
    /// The domain is one the organisation accepts (`authoritative` or
    /// `internal_relay`), carried by the connector that covers it.
    AcceptedDomain {
        domain: String,
        domain_type: DomainType,
    },
    /// Relayed through the partner connector covering the domain.
    PartnerDomain { domain: String },
    /// Relayed to the domain's MX hosts, no connector covering it.
    Mx { domain: String },
}

impl RouteReason {
    /// One line for people, e.g. `accepted domain contoso.test (internal_relay)`.
    pub fn describe(&self) -> String {
        match self {
            RouteReason::AcceptedDomain {
                domain,
                domain_type,
            } => {
                let kind = match domain_type {
                    DomainType::Authoritative => "authoritative",
                    DomainType::InternalRelay => "internal relay",
                };
                format!("accepted domain {domain} ({kind})")
            }
            RouteReason::PartnerDomain { domain } => {
                format!("partner connector domain match for {domain}")
            }
            RouteReason::Mx { domain } => format!("MX of {domain}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_key_gives_back_its_organisation_and_connector() {
        let route = |connector: Option<&str>| Route {
            connector: connector.map(str::to_string),
            domain: "contoso.test".into(),
        };
        let keys = [
            route(Some("to-onprem")).next_hop("acme", true),
            route(Some("to-onprem")).next_hop("acme", false),
            route(None).next_hop("acme", false),
        ];
        assert_eq!(
            keys,
            [
                "acme/to-onprem",
                "acme/to-onprem/contoso.test",
                "acme/mx/contoso.test"
            ]
        );
        assert_eq!(
            keys.each_ref().map(|key| Route::connector_of(key)),
            [Some("to-onprem"), Some("to-onprem"), None]
        );
        assert_eq!(
            keys.each_ref().map(|key| Route::split_next_hop(key).0),
            ["acme"; 3]
        );
        for key in &keys {
            let hop = Route::hop_in_org("acme", key);
            assert!(!hop.starts_with("acme"), "{hop}");
            assert_eq!(Route::qualify_hop("acme", hop), *key);
            assert_eq!(
                Route::hop_in_org("other", key),
                key,
                "another's key is kept whole"
            );
        }
    }

    #[test]
    fn two_organisations_with_a_connector_of_one_name_have_two_queues() {
        let route = Route {
            connector: Some("onprem".into()),
            domain: "contoso.test".into(),
        };
        assert_ne!(route.next_hop("acme", true), route.next_hop("globex", true));
        assert_ne!(
            route.next_hop("acme", false),
            route.next_hop("globex", false)
        );
    }
}
