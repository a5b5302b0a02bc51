//! Text for people: the nodes as a table, and what a drain or resume did.

use crate::text_table::aligned;
use mailflow_admin::NodeView;
use mailflow_core::time_format::text_from_json;
use serde::Serialize;

pub fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("API values serialize to JSON")
}

pub fn table(nodes: &[NodeView]) -> String {
    if nodes.is_empty() {
        return "No node has written a heartbeat yet.".to_string();
    }
    let header = [
        "NAME",
        "STATE",
        "IN FLIGHT",
        "VERSION",
        "LAST SEEN",
        "STARTED",
        "ADMIN API",
    ]
    .map(String::from);
    let mut rows = vec![header];
    for node in nodes {
        let mut state = node.state.clone();
        if node.drain_requested && node.state == "running" {
            // Asked, not yet seen: the node looks at its next heartbeat.
            state.push_str(" (drain asked)");
        }
        let mut name = node.name.clone();
        if node.this_node {
            name.push_str(" *");
        }
        rows.push([
            name,
            state,
            node.in_flight.to_string(),
            node.version.clone(),
            text_from_json(&node.last_seen),
            text_from_json(&node.started_at),
            node.admin_url.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    let mut text = aligned(&rows);
    if nodes.iter().any(|node| node.this_node) {
        text.push_str("\n* the node that answered");
    }
    text
}

pub fn drain_asked(node: &NodeView, waited: bool) -> String {
    match waited {
        true => format!(
            "node {} is drained: it takes no new work and holds none; `mailflow node resume {}` takes it back",
            node.name, node.name
        ),
        false => format!(
            "node {} was asked to drain: it takes no new work (new SMTP clients get 421 4.3.2), \
             finishes its deliveries under way and gives back the rest; `mailflow node list` shows \
             when it is drained",
            node.name
        ),
    }
}

pub fn resumed(node: &NodeView) -> String {
    format!("node {} takes work again", node.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, state: &str) -> NodeView {
        NodeView {
            name: name.into(),
            version: "0.1.0".into(),
            started_at: "2030-01-01T08:00:00.000Z".into(),
            last_seen: "2030-01-01T09:00:00.000Z".into(),
            state: state.into(),
            drain_requested: false,
            in_flight: 3,
            admin_url: Some("http://10.0.0.2:8025".into()),
            this_node: false,
        }
    }

    #[test]
    fn the_table_has_a_line_per_node_and_marks_the_one_that_answered() {
        let mut this = node("relay-1", "running");
        this.this_node = true;
        let mut asked = node("relay-2", "running");
        asked.drain_requested = true;
        asked.admin_url = None;
        let text = table(&[this, asked, node("relay-3", "missing")]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[0].starts_with("NAME"), "{text}");
        assert!(lines[1].starts_with("relay-1 *  running"), "{text}");
        assert!(lines[1].contains("2030-01-01 09:00:00Z"), "{text}");
        assert!(lines[2].contains("running (drain asked)"), "{text}");
        assert!(lines[2].ends_with(" -"), "{text}");
        assert!(lines[3].contains("missing"), "{text}");
        assert_eq!(lines[4], "* the node that answered");
        assert_eq!(table(&[]), "No node has written a heartbeat yet.");
    }
}
