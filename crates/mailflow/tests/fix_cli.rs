//! `mailflow fix` and `mailflow connector` as the built binary, against a
//! running `mailflow serve` whose on-premises server refuses connections.

mod common;

use common::{Serve, submit, write_config};
use serde_json::Value;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn fix_list_apply_audit_and_undo_and_connector_actions_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));
    submit(
        serve.smtp,
        "",
        "zed@contoso.test",
        "Subject: test\r\n\r\nhello\r\n",
    );

    let mut offered = Value::Null;
    for _ in 0..250 {
        offered = serve.json(&["fix", "list", "--json"]);
        if offered
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "stop-relaying:to-onprem")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    let fix = offered
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "stop-relaying:to-onprem")
        .unwrap_or_else(|| panic!("never offered: {offered:#}"));
    assert_eq!(fix["preview"]["recipients_to_bounce"], 1);
    let text = serve.cli(&["fix", "list"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("domain contoso.test: internal_relay -> authoritative"),
        "{text}"
    );
    assert!(text.contains("risk: "), "{text}");

    let applied = serve.json(&["fix", "apply", "stop-relaying:to-onprem", "--json"]);
    assert_eq!(applied["actor"], "api:cli:tester");
    assert_eq!(applied["after"]["recipients_bounced"], 1);
    let audit_id = applied["id"].as_u64().unwrap().to_string();

    let undone = serve.json(&["fix", "undo", &audit_id, "--json"]);
    assert_eq!(undone["action"], "undo:stop-relaying");
    let again = serve.cli(&["fix", "undo", &audit_id]);
    assert!(!again.status.success());
    let error = String::from_utf8_lossy(&again.stderr);
    assert!(
        error.contains(&format!("audit entry {audit_id} was undone already")),
        "{error}"
    );

    let suspended = serve.json(&["connector", "suspend", "to-onprem", "--json"]);
    assert_eq!(suspended["action"], "suspend");
    let unknown = serve.cli(&["connector", "retry", "nowhere"]);
    let error = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        !unknown.status.success() && error.contains("\"nowhere\""),
        "{error}"
    );

    let log = serve.cli(&["fix", "audit"]);
    let log = String::from_utf8_lossy(&log.stdout);
    let actions: Vec<&str> = log
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert_eq!(
        actions,
        ["suspend", "undo:stop-relaying", "stop-relaying"],
        "{log}"
    );
}

#[tokio::test]
async fn connector_validate_reports_the_refused_next_hop_as_4_4_316() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));

    let report = serve.json(&["connector", "validate", "to-onprem", "--json"]);
    assert_eq!(report["diagnosis"]["category"], "connection_refused");
    assert_eq!(report["addresses"][0]["stage"], "connect");

    let output = serve.cli(&["connector", "validate", "to-onprem"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("4.4.316 connection_refused"), "{text}");
    assert!(text.contains("verdict: 450 4.4.316"), "{text}");

    let unknown = serve.cli(&["connector", "validate", "nope"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nope"));
}
