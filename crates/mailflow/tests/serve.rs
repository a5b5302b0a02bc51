//! `mailflow serve` and `mailflow queue` run as the built binary: the node
//! says where everything is, makes its admin token, answers the API, shows a
//! message's diagnosis through the CLI, stops on SIGTERM, and keeps the
//! store's organisation settings across a restart with the same config.

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

/// A running `mailflow serve` and what its start-up summary said.
struct Node {
    child: Child,
    summary: Vec<String>,
    smtp: SocketAddr,
    api: String,
}

impl Node {
    fn start(config: &Path) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mailflow"))
            .args(["serve", "--config"])
            .arg(config)
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
        let mut summary = Vec::new();
        while !summary
            .last()
            .is_some_and(|l: &String| l.contains("org settings:"))
        {
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
        let smtp = value("SMTP").parse().unwrap();
        let api = value("admin API").trim_end_matches("/api/v1").to_string();
        Node {
            child,
            summary,
            smtp,
            api,
        }
    }

    fn line(&self, label: &str) -> &str {
        self.summary
            .iter()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap()
    }

    /// SIGTERM, then the exit status within a bounded time.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let (exited_tx, exited_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = exited_tx.send(self.child.wait());
        });
        match exited_rx.recv_timeout(Duration::from_secs(15)) {
            Ok(status) => status.unwrap(),
            Err(_) => {
                let _ = Command::new("kill").args(["-KILL", &pid]).status();
                panic!("mailflow did not stop within 15 s of SIGTERM");
            }
        }
    }
}

fn queue_cli(node: &Node, data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .arg("queue")
        .args(args)
        .args(["--api", &node.api, "--data-dir"])
        .arg(data_dir)
        .env_remove("MAILFLOW_TOKEN")
        .env_remove("MAILFLOW_API")
        .output()
        .unwrap()
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

async fn send_message(smtp: SocketAddr, from: &str, to: &str) {
    let stream = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(smtp))
        .await
        .unwrap()
        .unwrap();
    let mut reader = tokio::io::BufReader::new(stream);
    assert!(reply(&mut reader).await.starts_with("220"));
    let body = format!("From: <{from}>\r\nTo: <{to}>\r\nSubject: test\r\n\r\nhello\r\n.\r\n");
    let steps = [
        ("EHLO client.test\r\n".to_string(), "250"),
        (format!("MAIL FROM:<{from}>\r\n"), "250"),
        (format!("RCPT TO:<{to}>\r\n"), "250"),
        ("DATA\r\n".to_string(), "354"),
        (body, "250"),
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
async fn serve_reports_its_addresses_shows_a_diagnosis_stops_on_sigterm_and_keeps_org_settings() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let config = write_config(dir.path(), mailflow_testkit::refused_addr());
    let node = Node::start(&config);

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

    send_message(node.smtp, "bob@example.test", "alice@contoso.test").await;
    let mut listed = Value::Null;
    for _ in 0..200 {
        let output = queue_cli(&node, &data_dir, &["list", "--json", "--state", "deferred"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        listed = serde_json::from_slice(&output.stdout).unwrap();
        if listed.as_array().is_some_and(|list| !list.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recipient = &listed[0]["recipients"][0];
    assert_eq!(recipient["address"], "alice@contoso.test");
    assert_eq!(recipient["last_error"]["code"], "4.4.316");
    assert_eq!(recipient["last_error"]["category"], "connection_refused");

    let table = queue_cli(&node, &data_dir, &["list"]);
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("4.4.316 connection_refused"), "{table}");

    let id = listed[0]["id"].as_str().unwrap();
    let shown = queue_cli(&node, &data_dir, &["show", id]);
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

    let again = Node::start(&config);
    assert!(
        again.line("org settings:").contains("kept from the store"),
        "{:?}",
        again.summary
    );
    assert!(again.line("admin token:").ends_with("admin-token"));
    assert!(again.terminate().success());
}
