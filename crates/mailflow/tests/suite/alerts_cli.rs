//! `mailflow alerts` as the built binary, against a running `mailflow
//! serve`: the node's evaluator resolves an alert whose connector has no
//! queue left, the CLI lists alerts by state and acknowledges one.

use crate::common::{Serve, write_config};
use mailflow_store::{AlertObservation, AlertRule, AlertStore, AlertValues, SqliteStore};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use time::OffsetDateTime;

const ALERTS: &str = r#"
[alerts]
queued_threshold = 10
queued_age = "30m"
"#;

/// An alert left open in the store, as a node that stopped would leave it.
async fn leave_open_alert(data_dir: &Path) -> i64 {
    let store = SqliteStore::open(data_dir).await.unwrap();
    let at = OffsetDateTime::now_utc();
    let observed = store
        .observe_alert(AlertObservation {
            org: "default".into(),
            connector: Some("to-onprem".into()),
            code: "4.4.316".into(),
            rule: AlertRule::QueuedCount,
            values: AlertValues {
                queued: 12,
                queued_over_age: 11,
                oldest_received_at: Some(at - Duration::from_secs(7200)),
                last_error: None,
                ..AlertValues::default()
            },
            at,
        })
        .await
        .unwrap();
    store.close().await.unwrap();
    observed.alert.id
}

#[tokio::test]
async fn alerts_are_listed_resolved_by_the_running_evaluator_and_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let id = leave_open_alert(&dir.path().join("data")).await;
    let serve = Serve::start(&write_config(dir.path(), ALERTS));

    // The connector has no queue: the node's first evaluation resolves it.
    let resolved = (0..200)
        .map(|_| serve.json(&["alerts", "--state", "resolved", "--json"]))
        .find(|list| list.as_array().is_some_and(|l| !l.is_empty()))
        .expect("the evaluator resolves the alert");
    assert_eq!(resolved[0]["id"], id);
    assert_eq!(serve.json(&["alerts", "--json"]), Value::Array(vec![]));

    let table = serve.cli(&["alerts", "--state", "all"]);
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("to-onprem") && table.contains("4.4.316") && table.contains("resolved"),
        "{table}"
    );

    let acked = serve.json(&["alerts", "ack", &id.to_string(), "--json"]);
    assert_eq!(acked["acknowledged_by"], "cli:tester");

    let missing = serve.cli(&["alerts", "ack", "999"]);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("no alert with id 999"), "{stderr}");
}

#[test]
fn alert_settings_are_shown_and_changed_live_with_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));
    let shown = serve.text(&["alerts", "settings"]);
    assert!(
        shown.contains("rule (a):     200 recipients queued longer than 1h"),
        "{shown}"
    );

    let changed = serve.json(&[
        "alerts",
        "set",
        "--queued-threshold",
        "25",
        "--oldest-age",
        "2h",
        "--admin-email",
        "ops@contoso.test",
        "--json",
    ]);
    assert_eq!(changed["queued_threshold"], 25);
    assert_eq!(changed["oldest_age"], "2h");
    assert_eq!(changed["admin_emails"][0], "ops@contoso.test");
    let own = serve.text(&[
        "alerts",
        "connector",
        "to-onprem",
        "--queued-threshold",
        "3",
    ]);
    assert!(own.contains("connector to-onprem: 3 recipients"), "{own}");

    let refused = serve.cli(&["alerts", "set", "--queued-age", "soon"]);
    assert!(!refused.status.success());
    let error = String::from_utf8_lossy(&refused.stderr);
    assert!(error.contains("[field: queued_age]"), "{error}");

    let audit = serve.json(&["fix", "audit", "--json"]);
    assert_eq!(audit[0]["action"], "alert-rules-set");
    assert_eq!(audit[1]["action"], "alert-settings-edit");
}
