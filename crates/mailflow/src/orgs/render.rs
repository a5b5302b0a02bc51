//! Text for people: the organisations as a table, and what a change did.

use crate::text_table::aligned;
use mailflow_admin::OrganisationView;
use serde::Serialize;

pub fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("API values serialize to JSON")
}

pub fn table(orgs: &[OrganisationView]) -> String {
    if orgs.is_empty() {
        return "No organisations. Make one with `mailflow org create NAME`.".to_string();
    }
    let mut rows = vec![["NAME", "ACCEPTED DOMAINS", "CONNECTORS"].map(String::from)];
    for org in orgs {
        let mut name = org.name.clone();
        if org.own {
            name.push_str(" *");
        }
        rows.push([name, listed(&org.accepted_domains), listed(&org.connectors)]);
    }
    let mut text = aligned(&rows);
    if orgs.iter().any(|org| org.own) {
        text.push_str("\n* the organisation of the node that answered");
    }
    text
}

fn listed(names: &[String]) -> String {
    match names.is_empty() {
        true => "-".to_string(),
        false => names.join(", "),
    }
}

pub fn created(org: &OrganisationView) -> String {
    format!(
        "Organisation {name} made, with no accepted domain, connector or directory entry; in force now. \
         Set it up with --org {name}, e.g. `mailflow domain add DOMAIN --type authoritative --org {name}`.",
        name = org.name
    )
}

pub fn renamed(from: &str, org: &OrganisationView) -> String {
    format!(
        "Organisation {from} is now {}, with everything it had; in force now.",
        org.name
    )
}

pub fn removed(org: &OrganisationView) -> String {
    format!("Organisation {} removed, with everything it had.", org.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(name: &str, own: bool, domains: &[&str], connectors: &[&str]) -> OrganisationView {
        OrganisationView {
            name: name.into(),
            own,
            accepted_domains: domains.iter().map(|d| d.to_string()).collect(),
            connectors: connectors.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn the_table_has_a_line_per_organisation_and_marks_the_nodes_own() {
        let text = table(&[
            org(
                "default",
                true,
                &["contoso.test"],
                &["to-onprem", "to-partner"],
            ),
            org("globex", false, &[], &[]),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("NAME"), "{text}");
        assert!(lines[1].starts_with("default *"), "{text}");
        assert!(lines[1].contains("contoso.test"), "{text}");
        assert!(lines[1].ends_with("to-onprem, to-partner"), "{text}");
        assert!(lines[2].starts_with("globex "), "{text}");
        assert!(lines[2].ends_with(" -"), "{text}");
        assert_eq!(lines[3], "* the organisation of the node that answered");
    }
}
