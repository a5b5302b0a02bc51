//! `mailflow alerts` as the built binary, against a running `mailflow
//! serve`: the node's evaluator resolves an alert whose connector has no
//! queue left, the CLI lists alerts by state and acknowledges one.

use mailflow_store::{AlertObservation, AlertRule, AlertValues, SqliteStore, Store};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use time::OffsetDateTime;

const START_TIMEOUT: Duration = Duration::from_secs(30);

fn write_config(dir: &Path) -> PathBuf {
    let config = format!(
        "[server]\nhostname = \"relay.test\"\nsmtp_listen = [\"127.0.0.1:0\"]\n\n[admin]\nlisten = \"127.0.0.1:0\"\n\n[store]\npath = \"{data}\"\n\n[[accepted_domains]]\nname = \"contoso.test\"\ntype = \"internal_relay\"\n\n[[connectors]]\nname = \"to-onprem\"\nkind = \"on_premises\"\nrecipient_domains = [\"contoso.test\"]\nsmart_hosts = [\"{hop}\"]\n\n[alerts]\nqueued_threshold = 10\nqueued_age = \"30m\"\n",
        data = dir.join("data").display(),
        hop = mailflow_testkit::refused_addr()
    );
    let path = dir.join("mailflow.toml");
    std::fs::write(&path, config).unwrap();
    path
}

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

/// A running `mailflow serve`, killed when dropped.
struct Serve {
    child: Child,
    api: String,
    data_dir: PathBuf,
}

impl Serve {
    fn start(dir: &Path) -> Serve {
        let config = write_config(dir);
        let mut child = Command::new(env!("CARGO_BIN_EXE_mailflow"))
            .args(["serve", "--config"])
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut summary: Vec<String> = Vec::new();
        while !summary.last().is_some_and(|l| l.contains("org settings:")) {
            match lines_rx.recv_timeout(START_TIMEOUT) {
                Ok(line) => summary.push(line),
                Err(_) => {
                    child.kill().unwrap();
                    panic!("no start-up summary; got {summary:?}");
                }
            }
        }
        let api = summary
            .iter()
            .find(|l| l.trim_start().starts_with("admin API"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, url)| url.trim().trim_end_matches("/api/v1").to_string())
            .unwrap();
        Serve {
            api,
            data_dir: dir.join("data"),
            child,
        }
    }

    fn cli(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_mailflow"))
            .args(args)
            .args(["--api", &self.api, "--data-dir"])
            .arg(&self.data_dir)
            .env_remove("MAILFLOW_TOKEN")
            .env_remove("MAILFLOW_API")
            .env("USER", "tester")
            .output()
            .unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let output = self.cli(args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn alerts_are_listed_resolved_by_the_running_evaluator_and_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let id = leave_open_alert(&dir.path().join("data")).await;
    let serve = Serve::start(dir.path());

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
