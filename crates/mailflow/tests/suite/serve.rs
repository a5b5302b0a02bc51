//! `mailflow serve` and `mailflow queue` run as the built binary: the node
//! says where everything is, makes its admin token, answers the API, shows a
//! message's diagnosis through the CLI, stops on SIGTERM, and keeps the
//! store's organisation settings across a restart with the same config.

use crate::common::{Serve, submit, write_config};
use serde_json::Value;
use std::process::{Command, Output};
use std::time::Duration;

fn queue_cli(node: &Serve, args: &[&str]) -> Output {
    node.cli(&[&["queue"], args].concat())
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_reports_its_addresses_shows_a_diagnosis_stops_on_sigterm_and_keeps_org_settings() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let config = write_config(dir.path(), "");
    let node = Serve::start(&config);

    assert!(
        node.line("config:").ends_with("mailflow.toml"),
        "{:?}",
        node.summary
    );
    assert!(
        node.line("data dir:")
            .ends_with(&data_dir.display().to_string())
    );
    assert!(
        node.line("admin token:")
            .contains("admin-token (generated now)")
    );
    assert!(node.line("org settings:").contains("first start"));
    let token_file = data_dir.join("admin-token");
    assert!(token_file.exists());

    let health: Value = reqwest::get(format!("{}/api/v1/health", node.api))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");

    let from = "bob@example.test";
    let to = "alice@contoso.test";
    let data = format!("From: <{from}>\r\nTo: <{to}>\r\nSubject: test\r\n\r\nhello\r\n");
    submit(node.smtp, from, to, &data);
    let mut listed = Value::Null;
    for _ in 0..200 {
        let output = queue_cli(&node, &["list", "--json", "--state", "deferred"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let page: Value = serde_json::from_slice(&output.stdout).unwrap();
        listed = page["messages"].clone();
        if listed.as_array().is_some_and(|list| !list.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recipient = &listed[0]["recipients"][0];
    assert_eq!(recipient["address"], "alice@contoso.test");
    assert_eq!(recipient["last_error"]["code"], "4.4.316");
    assert_eq!(recipient["last_error"]["category"], "connection_refused");

    let table = queue_cli(&node, &["list"]);
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("4.4.316 connection_refused"), "{table}");

    let id = listed[0]["id"].as_str().unwrap();
    let shown = queue_cli(&node, &["show", id]);
    let shown = String::from_utf8(shown.stdout).unwrap();
    assert!(
        shown.contains("last error     450 4.4.316 connection refused by"),
        "{shown}"
    );

    let refused = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(["queue", "list", "--api", &node.api, "--token", "wrong"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("(401)"));

    assert!(node.terminate().success());

    let again = Serve::start(&config);
    assert!(
        again.line("org settings:").contains("kept from the store"),
        "{:?}",
        again.summary
    );
    assert!(again.line("admin token:").ends_with("admin-token"));
    assert!(again.terminate().success());
}
