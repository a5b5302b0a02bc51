//! `mailflow insights` and `mailflow trace` as the built binary, against a
//! running `mailflow serve` whose on-premises server refuses connections:
//! a message sent over SMTP is deferred with 4.4.316, the insight says so
//! and what to do, and the trace lists what happened to the message.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const START_TIMEOUT: Duration = Duration::from_secs(30);

fn write_config(dir: &Path) -> PathBuf {
    let config = format!(
        "[server]\nhostname = \"relay.test\"\nsmtp_listen = [\"127.0.0.1:0\"]\n\n[admin]\nlisten = \"127.0.0.1:0\"\n\n[store]\npath = \"{data}\"\n\n[[accepted_domains]]\nname = \"contoso.test\"\ntype = \"internal_relay\"\n\n[[connectors]]\nname = \"to-onprem\"\nkind = \"on_premises\"\nrecipient_domains = [\"contoso.test\"]\nsmart_hosts = [\"{hop}\"]\n",
        data = dir.join("data").display(),
        hop = mailflow_testkit::refused_addr()
    );
    let path = dir.join("mailflow.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// A running `mailflow serve`, killed when dropped.
struct Serve {
    child: Child,
    api: String,
    smtp: String,
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
        let value = |label: &str| {
            summary
                .iter()
                .find(|l| l.trim_start().starts_with(label))
                .and_then(|l| l.split_once(':'))
                .map(|(_, value)| value.trim().to_string())
                .unwrap()
        };
        Serve {
            api: value("admin API").trim_end_matches("/api/v1").to_string(),
            smtp: value("SMTP").split(',').next().unwrap().trim().to_string(),
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
            .output()
            .unwrap()
    }

    fn text(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.text(args)).unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one message over SMTP and checks each reply's code.
fn submit(smtp: &str, to: &str) {
    let stream = TcpStream::connect(smtp).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut write = stream.try_clone().unwrap();
    let mut read = BufReader::new(stream);
    let mut expect = |code: &str| loop {
        let mut line = String::new();
        read.read_line(&mut line).unwrap();
        assert!(line.starts_with(code), "expected {code}, got {line:?}");
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    };
    expect("220");
    let steps = [
        ("EHLO client.test\r\n".to_string(), "250"),
        ("MAIL FROM:<bob@example.test>\r\n".to_string(), "250"),
        (format!("RCPT TO:<{to}>\r\n"), "250"),
        ("DATA\r\n".to_string(), "354"),
        ("Subject: hi\r\n\r\nhello\r\n.\r\n".to_string(), "250"),
    ];
    for (command, code) in steps {
        write.write_all(command.as_bytes()).unwrap();
        expect(code);
    }
    let _ = write.write_all(b"QUIT\r\n");
}

#[test]
fn insights_and_trace_show_a_refused_connector_and_its_deferred_message() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path());
    submit(&serve.smtp, "alice@contoso.test");

    let deferred = (0..250)
        .map(|attempt| {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(40));
            }
            serve.json(&["insights", "--json"])
        })
        .find(|list| list[0]["last_error"]["code"] == "4.4.316")
        .expect("the message is deferred with 4.4.316");
    assert_eq!(deferred[0]["connector"], "to-onprem");
    assert_eq!(deferred[0]["status"], "failing");

    let table = serve.text(&["insights"]);
    let row = table
        .lines()
        .find(|l| l.starts_with("to-onprem"))
        .unwrap_or_else(|| panic!("{table}"));
    for word in ["on_premises", "failing", "4.4.316 connection_refused"] {
        assert!(row.contains(word), "{word} in {row:?}");
    }
    let detail = serve.text(&["insights", "to-onprem"]);
    for part in [
        "Likely causes:",
        "What to do:",
        "stop-relaying:to-onprem",
        "Queued:          1",
    ] {
        assert!(detail.contains(part), "{part} in\n{detail}");
    }

    let trace = serve.text(&["trace", "--recipient", "alice@contoso.test"]);
    for part in [
        "from bob@example.test",
        "received",
        "attempt",
        "deferred",
        "4.4.316",
    ] {
        assert!(trace.contains(part), "{part} in\n{trace}");
    }
    let traces = serve.json(&["trace", "--sender", "bob@example.test", "--json"]);
    let types: Vec<&str> = traces[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["received", "attempt", "deferred"]);

    let bad = serve.cli(&["trace", "--since", "yesterday"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("[field: since]"));
}
