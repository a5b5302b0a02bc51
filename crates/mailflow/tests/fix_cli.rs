//! `mailflow fix` and `mailflow connector` as the built binary, against a
//! running `mailflow serve` whose on-premises server refuses connections.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const START_TIMEOUT: Duration = Duration::from_secs(30);

fn write_config(dir: &Path, next_hop: SocketAddr) -> PathBuf {
    let config = format!(
        r#"
[server]
hostname = "relay.test"
smtp_listen = ["127.0.0.1:0"]

[admin]
listen = "127.0.0.1:0"

[store]
path = "{data}"

[[accepted_domains]]
name = "contoso.test"
type = "internal_relay"

[[connectors]]
name = "to-onprem"
kind = "on_premises"
recipient_domains = ["contoso.test"]
smart_hosts = ["{next_hop}"]
"#,
        data = dir.join("data").display()
    );
    let path = dir.join("mailflow.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// A running `mailflow serve`, killed when dropped.
struct Serve {
    child: Child,
    smtp: SocketAddr,
    api: String,
    data_dir: PathBuf,
}

impl Serve {
    fn start(dir: &Path) -> Serve {
        let config = write_config(dir, mailflow_testkit::refused_addr());
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
        let value = |label: &str| {
            let line = summary
                .iter()
                .find(|l| l.trim_start().starts_with(label))
                .unwrap();
            line.split_once(':').unwrap().1.trim().to_string()
        };
        Serve {
            smtp: value("SMTP").parse().unwrap(),
            api: value("admin API").trim_end_matches("/api/v1").to_string(),
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

    /// Runs the CLI and returns its JSON output, asserting success.
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

async fn reply(reader: &mut tokio::io::BufReader<TcpStream>) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        all.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            return all;
        }
    }
}

async fn send_message(smtp: SocketAddr, to: &str) {
    let stream = TcpStream::connect(smtp).await.unwrap();
    let mut reader = tokio::io::BufReader::new(stream);
    assert!(reply(&mut reader).await.starts_with("220"));
    let steps = [
        ("EHLO client.test\r\n".to_string(), "250"),
        ("MAIL FROM:<>\r\n".to_string(), "250"),
        (format!("RCPT TO:<{to}>\r\n"), "250"),
        ("DATA\r\n".to_string(), "354"),
        ("Subject: test\r\n\r\nhello\r\n.\r\n".to_string(), "250"),
        ("QUIT\r\n".to_string(), "221"),
    ];
    for (command, expected) in steps {
        reader
            .get_mut()
            .write_all(command.as_bytes())
            .await
            .unwrap();
        let answer = reply(&mut reader).await;
        assert!(answer.starts_with(expected), "{command:?} got {answer:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fix_list_apply_audit_and_undo_and_connector_actions_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path());
    send_message(serve.smtp, "zed@contoso.test").await;

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
    let serve = Serve::start(dir.path());

    let report = serve.json(&["connector", "validate", "to-onprem", "--json"]);
    assert_eq!(report["diagnosis"]["category"], "connection_refused");
    assert_eq!(report["addresses"][0]["stage"], "connect");

    let output = serve.cli(&["connector", "validate", "to-onprem"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("4.4.316 connection_refused"), "{text}");
    assert!(text.contains("verdict: 450 4.4.316"), "{text}");

    let unknown = serve.cli(&["connector", "validate", "nope"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nope"));
}
