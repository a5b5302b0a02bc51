//! Every organisation's settings in force on a node, by name: what the
//! receiver routes with and the delivery side plans with, each message by
//! its own organisation's settings.

use crate::OrgSettings;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The organisations a node serves and their settings. Replaced as a whole
/// when one of them changes, so that a reader sees one consistent set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Orgs {
    by_name: BTreeMap<String, Arc<OrgSettings>>,
}

impl Orgs {
    pub fn new(orgs: impl IntoIterator<Item = (String, OrgSettings)>) -> Orgs {
        Orgs {
            by_name: orgs
                .into_iter()
                .map(|(name, settings)| (name, Arc::new(settings)))
                .collect(),
        }
    }

    /// One organisation's settings, if it is one of them.
    pub fn get(&self, name: &str) -> Option<&Arc<OrgSettings>> {
        self.by_name.get(name)
    }

    /// One organisation's settings, or none at all (no domain accepted, no
    /// connector) for a name that is not one of them: its mail routes by
    /// MX, as an organisation's with nothing set up would.
    pub fn settings_of(&self, name: &str) -> Arc<OrgSettings> {
        self.get(name).cloned().unwrap_or_default()
    }

    /// The organisations' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<OrgSettings>)> {
        self.by_name.iter().map(|(name, org)| (name.as_str(), org))
    }

    /// These organisations with `name`'s settings replaced (or added).
    pub fn with(&self, name: &str, settings: OrgSettings) -> Orgs {
        let mut by_name = self.by_name.clone();
        by_name.insert(name.to_string(), Arc::new(settings));
        Orgs { by_name }
    }

    /// The organisation that accepts mail for `domain` (as one of its
    /// accepted domains), if any. An accepted domain belongs to one
    /// organisation; should two claim it, the first by name answers.
    pub fn owner_of(&self, domain: &str) -> Option<&str> {
        self.iter()
            .find(|(_, org)| org.accepted_domain(domain).is_some())
            .map(|(name, _)| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AcceptedDomain, DomainType};

    fn accepting(domain: &str) -> OrgSettings {
        OrgSettings {
            accepted_domains: vec![AcceptedDomain {
                name: domain.into(),
                kind: DomainType::Authoritative,
            }],
            ..OrgSettings::default()
        }
    }

    #[test]
    fn a_domain_is_found_with_the_organisation_that_accepts_it() {
        let orgs = Orgs::new([
            ("acme".to_string(), accepting("acme.test")),
            ("globex".to_string(), accepting("globex.test")),
        ]);
        assert_eq!(orgs.owner_of("ACME.test"), Some("acme"));
        assert_eq!(orgs.owner_of("globex.test"), Some("globex"));
        assert_eq!(orgs.owner_of("elsewhere.test"), None);
        assert_eq!(orgs.names().collect::<Vec<_>>(), ["acme", "globex"]);
    }

    #[test]
    fn replacing_one_organisation_leaves_the_others_and_the_original() {
        let orgs = Orgs::new([("acme".to_string(), accepting("acme.test"))]);
        let more = orgs.with("globex", accepting("globex.test"));
        let changed = more.with("acme", accepting("acme2.test"));
        assert_eq!(orgs.names().count(), 1);
        assert_eq!(changed.owner_of("acme.test"), None);
        assert_eq!(changed.owner_of("acme2.test"), Some("acme"));
        assert_eq!(changed.owner_of("globex.test"), Some("globex"));
        assert_eq!(*changed.settings_of("nobody"), OrgSettings::default());
    }
}
