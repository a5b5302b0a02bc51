//! `mailflow fix` and `mailflow connector` as the built binary, against a
//! running `mailflow serve` whose on-premises server refuses connections.

use crate::common::{Serve, submit, write_config};
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
    assert_eq!(applied["actor"], "cli:tester");
    assert_eq!(applied["undoable"], true);
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
    assert_eq!(suspended["actor"], "cli:tester");
    // A retry cannot be undone: no undo hint.
    let retried = serve.text(&["connector", "retry", "to-onprem"]);
    assert!(
        retried.contains(" retry on to-onprem by cli:tester "),
        "{retried}"
    );
    assert!(!retried.contains("fix undo"), "{retried}");
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
        .filter_map(|l| l.split_whitespace().nth(3))
        .collect();
    assert_eq!(
        actions,
        ["retry", "suspend", "undo:stop-relaying", "stop-relaying"],
        "{log}"
    );
}

#[tokio::test]
async fn connector_validate_reports_the_refused_next_hop_as_4_4_316_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));

    let output = serve.cli(&["connector", "validate", "to-onprem", "--json"]);
    assert!(!output.status.success(), "a failed verdict exits non-zero");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["passed"], false);
    let verdict = &report["diagnosis"];
    assert_eq!(verdict["code"], "4.4.316");
    assert_eq!(verdict["category"], "connection_refused");
    let server = verdict["server"].as_str().unwrap();
    assert_eq!(
        verdict["reply"],
        format!("450 4.4.316 connection refused by {server}")
    );
    assert_eq!(verdict["detail"], format!("connection refused by {server}"));
    assert_eq!(report["addresses"][0]["stage"], "connect");
    assert_eq!(report["addresses"][0]["diagnosis"], *verdict);

    let output = serve.cli(&["connector", "validate", "to-onprem"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("4.4.316 connection_refused"), "{text}");
    assert!(text.contains("verdict: 450 4.4.316"), "{text}");
    assert!(text.contains(&format!("server    {server}")), "{text}");

    let unknown = serve.cli(&["connector", "validate", "nope"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nope"));
}

#[tokio::test]
async fn without_a_user_name_the_actor_is_cli_and_the_uid() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args([
            "connector",
            "retry",
            "to-onprem",
            "--json",
            "--api",
            &serve.api,
        ])
        .arg("--data-dir")
        .arg(&serve.data_dir)
        .env_remove("MAILFLOW_TOKEN")
        .env_remove("MAILFLOW_API")
        .env_remove("USER")
        .env_remove("USERNAME")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let entry: Value = serde_json::from_slice(&output.stdout).unwrap();
    let actor = entry["actor"].as_str().unwrap();
    let uid = actor
        .strip_prefix("cli:")
        .unwrap_or_else(|| panic!("{actor}"));
    assert!(uid.parse::<u32>().is_ok(), "{actor}");
    assert_eq!(entry["undoable"], false);
}

#[tokio::test]
async fn the_cli_takes_the_admin_url_the_summary_prints() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));
    let printed = serve.line("admin API").split_once(':').unwrap().1.trim();
    assert!(printed.ends_with("/api/v1"), "{printed}");
    for api in [
        printed.to_string(),
        format!("{printed}/"),
        serve.api.clone(),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_mailflow"))
            .args(["fix", "audit", "--api", &api, "--data-dir"])
            .arg(&serve.data_dir)
            .env_remove("MAILFLOW_TOKEN")
            .env_remove("MAILFLOW_API")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{api}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
