//! `mailflow serve` run as the built binary for tests: a config on ephemeral
//! loopback ports, the start-up summary read for the SMTP and admin API
//! addresses, the CLI run against it, a raw SMTP submission, and the
//! process killed when the test lets go of it.

#![allow(dead_code)]

pub mod cluster;
pub mod crash;

use serde_json::Value;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const START_TIMEOUT: Duration = Duration::from_secs(30);
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the CLI as the user `tester` with `--api API --data-dir DIR`, and
/// nothing of the environment's own API, token or organisation: against a
/// node at `api`, or, with none running, against the data directory.
pub fn cli_at(api: &str, data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(args)
        .args(["--api", api, "--data-dir"])
        .arg(data_dir)
        .env("USER", "tester")
        .env_remove("MAILFLOW_TOKEN")
        .env_remove("MAILFLOW_API")
        .env_remove("MAILFLOW_ORG")
        .output()
        .unwrap()
}

/// Writes `dir/mailflow.toml`: SMTP and the admin API on ephemeral ports,
/// the store in `dir/data`, contoso.test relayed through `to-onprem` to a
/// next hop that refuses connections, then `extra` (more TOML sections).
pub fn write_config(dir: &Path, extra: &str) -> PathBuf {
    write_config_to(dir, mailflow_testkit::refused_addr(), extra)
}

/// [`write_config`] with `to-onprem` relaying to `next_hop`.
pub fn write_config_to(dir: &Path, next_hop: SocketAddr, extra: &str) -> PathBuf {
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
{extra}"#,
        data = dir.join("data").display(),
    );
    let path = dir.join("mailflow.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// A running `mailflow serve` and what its start-up summary said; killed
/// when dropped.
pub struct Serve {
    child: Option<Child>,
    pub summary: Vec<String>,
    pub smtp: SocketAddr,
    pub api: String,
    pub data_dir: PathBuf,
}

impl Serve {
    /// Starts the binary on `config` (written by [`write_config`]) and waits
    /// for its start-up summary.
    pub fn start(config: &Path) -> Serve {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mailflow"));
        command.args(["serve", "--config"]).arg(config);
        Serve::spawn(command.stderr(Stdio::null()), config)
    }

    /// Starts `command` (which runs `mailflow serve` on `config` in some
    /// way: under another umask, with its logs kept) and waits for its
    /// start-up summary.
    pub fn spawn(command: &mut Command, config: &Path) -> Serve {
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
        let summary = read_summary(&mut child);
        let value = |label: &str| {
            let line = find_line(&summary, label);
            line.split_once(':').unwrap().1.trim().to_string()
        };
        let smtp = value("SMTP").split(',').next().unwrap().trim().parse();
        let api = value("admin API").trim_end_matches("/api/v1").to_string();
        Serve {
            smtp: smtp.unwrap(),
            api,
            data_dir: config.parent().unwrap().join("data"),
            summary,
            child: Some(child),
        }
    }

    /// The node's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// The summary line that starts with `label`.
    pub fn line(&self, label: &str) -> &str {
        find_line(&self.summary, label)
    }

    /// Runs the CLI against this node, as the user `tester`.
    pub fn cli(&self, args: &[&str]) -> Output {
        cli_at(&self.api, &self.data_dir, args)
    }

    /// Runs the CLI against this node with `input` on stdin.
    pub fn cli_with_stdin(&self, args: &[&str], input: &str) -> Output {
        let data_dir = self.data_dir.as_os_str();
        let to_node = [
            OsStr::new("--api"),
            OsStr::new(&self.api),
            OsStr::new("--data-dir"),
            data_dir,
        ];
        cli_with_stdin(args, &to_node, input)
    }

    /// Runs the CLI and returns what it printed, asserting success.
    pub fn text(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs the CLI and returns its JSON output, asserting success.
    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.text(args)).unwrap()
    }

    /// Sends the process a signal, e.g. `HUP`.
    pub fn signal(&self, name: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{name} {pid}");
    }

    /// `kill -9`: the process gets no chance to tidy up.
    pub fn kill9(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// SIGTERM, then the exit status within a bounded time.
    pub fn terminate(mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let pid = child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let (exited_tx, exited_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = exited_tx.send(child.wait());
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

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Reads stdout until the summary's last line (`org settings:`), bounded.
fn read_summary(child: &mut Child) -> Vec<String> {
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
    summary
}

fn find_line<'a>(summary: &'a [String], label: &str) -> &'a str {
    summary
        .iter()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap()
}

/// Runs the CLI with `args` then `more`, as the user `tester`, with `input`
/// on stdin.
pub fn cli_with_stdin(args: &[&str], more: &[&OsStr], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(args)
        .args(more)
        .env_remove("MAILFLOW_TOKEN")
        .env_remove("MAILFLOW_API")
        .env("USER", "tester")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Sends one message over SMTP, asserting each reply's code up to `221`
/// for `QUIT`.
pub fn submit(smtp: SocketAddr, from: &str, to: &str, data: &str) {
    let stream = TcpStream::connect_timeout(&smtp, SMTP_TIMEOUT).unwrap();
    stream.set_read_timeout(Some(SMTP_TIMEOUT)).unwrap();
    let mut write = stream.try_clone().unwrap();
    let mut read = BufReader::new(stream);
    let greeting = reply(&mut read);
    assert!(greeting.starts_with("220"), "{greeting:?}");
    let steps = [
        ("EHLO client.test\r\n".to_string(), "250"),
        (format!("MAIL FROM:<{from}>\r\n"), "250"),
        (format!("RCPT TO:<{to}>\r\n"), "250"),
        ("DATA\r\n".to_string(), "354"),
        (format!("{data}.\r\n"), "250"),
        ("QUIT\r\n".to_string(), "221"),
    ];
    for (command, expected) in steps {
        write.write_all(command.as_bytes()).unwrap();
        let answer = reply(&mut read);
        assert!(answer.starts_with(expected), "{command:?} got {answer:?}");
    }
}

/// One reply, all its lines.
fn reply(read: &mut BufReader<TcpStream>) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        read.read_line(&mut line).unwrap();
        all.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            return all;
        }
    }
}
