//! The durability contract end to end, with the real binary: every message
//! that got `250` is delivered after `kill -9` or SIGTERM and a restart.

use mailflow_testkit::ports::BlackHole;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const MESSAGES: usize = 20;

/// Two free ports below the ephemeral range, so that the sockets other tests
/// open on port 0 cannot take them between the two runs of mailflow.
fn free_addrs() -> (SocketAddr, SocketAddr) {
    static CALLS: AtomicU16 = AtomicU16::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let start = 20_000 + (std::process::id() % 400) as u16 * 20 + call * 4;
    let mut held: Vec<TcpListener> = (start..30_000)
        .filter_map(|port| TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).ok())
        .take(2)
        .collect();
    let second = held.pop().expect("two free ports").local_addr().unwrap();
    let first = held.pop().expect("two free ports").local_addr().unwrap();
    (first, second)
}

fn write_config(
    dir: &Path,
    smtp: SocketAddr,
    admin: SocketAddr,
    next_hop: SocketAddr,
) -> std::path::PathBuf {
    let config = format!(
        r#"
[server]
hostname = "relay.test"
smtp_listen = ["{smtp}"]

[admin]
listen = "{admin}"
tokens = ["crash-test-token"]

[store]
path = "{data}"

[delivery]
connect_timeout = "60s"

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

struct Relay {
    child: Child,
}

impl Relay {
    async fn start(config: &Path, smtp: SocketAddr) -> Relay {
        let child = Command::new(env!("CARGO_BIN_EXE_mailflow"))
            .args(["serve", "--config"])
            .arg(config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..200 {
            if TcpStream::connect(smtp).await.is_ok() {
                return Relay { child };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("mailflow did not start listening on {smtp}");
    }

    fn kill9(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        for _ in 0..400 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().unwrap();
        panic!("mailflow did not stop within 20 s of SIGTERM");
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one message; returns whether it got `250` after the final dot.
async fn send(smtp: SocketAddr, subject: &str) -> bool {
    let Ok(stream) = TcpStream::connect(smtp).await else {
        return false;
    };
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut line = String::new();
    let mut expect = async |read: &mut BufReader<_>, code: &str| -> bool {
        loop {
            line.clear();
            if read.read_line(&mut line).await.unwrap_or(0) == 0 {
                return false;
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.starts_with(code);
            }
        }
    };
    if !expect(&mut read, "220").await {
        return false;
    }
    let steps: [(String, &str); 5] = [
        ("EHLO load.test\r\n".into(), "250"),
        ("MAIL FROM:<bob@contoso.test>\r\n".into(), "250"),
        ("RCPT TO:<alice@contoso.test>\r\n".into(), "250"),
        ("DATA\r\n".into(), "354"),
        (
            format!("Subject: {subject}\r\n\r\nbody of {subject}\r\n.\r\n"),
            "250",
        ),
    ];
    for (command, code) in steps {
        if write.write_all(command.as_bytes()).await.is_err() || !expect(&mut read, code).await {
            return false;
        }
    }
    true
}

/// Subjects of the messages a sink received.
fn subjects(sink: &SmtpServer) -> Vec<String> {
    sink.messages()
        .iter()
        .filter_map(|m| {
            m.data_text()
                .lines()
                .find_map(|l| l.strip_prefix("Subject: ").map(str::to_string))
        })
        .collect()
}

async fn accepted_then_stopped(stop: impl FnOnce(Relay)) {
    let dir = tempfile::tempdir().unwrap();
    let (smtp, admin) = free_addrs();
    // The next hop never answers a connection: every delivery is in flight
    // (connecting) when mailflow is stopped.
    let black_hole = BlackHole::new().await;
    let next_hop = black_hole.addr();
    let config = write_config(dir.path(), smtp, admin, next_hop);

    let relay = Relay::start(&config, smtp).await;
    let mut accepted = BTreeSet::new();
    for n in 0..MESSAGES {
        let subject = format!("message-{n}");
        if send(smtp, &subject).await {
            accepted.insert(subject);
        }
    }
    assert_eq!(
        accepted.len(),
        MESSAGES,
        "every message is accepted before the stop"
    );
    stop(relay);

    drop(black_hole);
    let sink = SmtpServer::start_on(next_hop, SmtpBehavior::new()).await;
    let relay = Relay::start(&config, smtp).await;
    sink.wait_for_messages(MESSAGES, Duration::from_secs(30))
        .await
        .unwrap();
    let delivered: BTreeSet<String> = subjects(&sink).into_iter().collect();
    assert_eq!(
        delivered, accepted,
        "every accepted message is delivered after the restart"
    );
    drop(relay);
}

#[tokio::test]
async fn every_accepted_message_is_delivered_after_kill_9_and_a_restart() {
    accepted_then_stopped(Relay::kill9).await;
}

#[tokio::test]
async fn sigterm_stops_cleanly_and_deliveries_in_flight_go_back_to_the_queue() {
    accepted_then_stopped(|relay| {
        let status = relay.terminate();
        assert!(
            status.success(),
            "mailflow exits cleanly on SIGTERM: {status}"
        );
    })
    .await;
}
