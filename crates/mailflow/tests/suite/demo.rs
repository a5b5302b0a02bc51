//! `mailflow demo` as the built binary, end to end: it prints the console's
//! address and a token, within a minute its API and the console's
//! dashboard show the healthy connector healthy and the three failing ones
//! with their codes, an open
//! alert and the stop-relaying fix, which applies as it does anywhere;
//! Ctrl-C (SIGINT) stops it with status 0 and removes its data directory,
//! unless `--keep` asked to keep it.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The demo promises its picture within a minute; polling stops here.
const PICTURE_DEADLINE: Duration = Duration::from_secs(90);
const START_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
const POLL_EVERY: Duration = Duration::from_millis(500);

/// A running `mailflow demo` and what it printed; killed (and its data
/// directory removed) if the test lets go of it before it stopped.
struct Demo {
    child: Option<Child>,
    lines: mpsc::Receiver<String>,
    summary: Vec<String>,
    console: String,
    token: String,
    data_dir: PathBuf,
    /// Its logs, to show when something goes wrong.
    log: PathBuf,
}

impl Demo {
    fn start(args: &[&str], log: &Path) -> Demo {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mailflow"))
            .arg("demo")
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut demo = Demo {
            child: Some(child),
            lines,
            summary: Vec::new(),
            console: String::new(),
            token: String::new(),
            data_dir: PathBuf::new(),
            log: log.to_path_buf(),
        };
        while !demo.summary.last().is_some_and(|l| l.contains("Ctrl-C")) {
            match demo.lines.recv_timeout(START_TIMEOUT) {
                Ok(line) => demo.summary.push(line),
                Err(_) => panic!("no summary: {:?}\n{}", demo.summary, demo.logs()),
            }
        }
        demo.console = demo.value("console:");
        demo.token = demo.value("token:");
        let data_dir = demo.value("data dir:");
        demo.data_dir = PathBuf::from(data_dir.split(" (").next().unwrap());
        demo
    }

    /// The value on the summary line labelled `label`.
    fn value(&self, label: &str) -> String {
        let line = self
            .summary
            .iter()
            .find_map(|l| l.trim_start().strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label:?} in {:#?}", self.summary));
        line.trim().to_string()
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn api(&self, path: &str) -> String {
        format!("{}api/v1{path}", self.console)
    }

    async fn get(&self, path: &str) -> Value {
        let response = reqwest::Client::new()
            .get(self.api(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "GET {path}: {response:?}");
        response.json().await.unwrap()
    }

    async fn post(&self, path: &str) -> Value {
        let response = reqwest::Client::new()
            .post(self.api(path))
            .bearer_auth(&self.token)
            .header("x-mailflow-actor", "demo-test")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {body:#}");
        body
    }

    /// The console's dashboard, as a browser logged in with the printed
    /// token sees it.
    async fn dashboard(&self) -> String {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let login = browser
            .post(format!("{}login", self.console))
            .form(&[("token", self.token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 303, "log-in with the printed token");
        let cookie = login.headers()["set-cookie"].to_str().unwrap();
        let session = cookie.split(';').next().unwrap().to_string();
        let page = browser
            .get(&self.console)
            .header("cookie", session)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        page.text().await.unwrap()
    }

    /// SIGINT, as Ctrl-C sends; the exit status and the last lines printed.
    fn interrupt(mut self) -> (ExitStatus, Vec<String>) {
        let mut child = self.child.take().unwrap();
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success(), "kill -INT {pid}");
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                let rest = self.lines.try_iter().collect();
                return (status, rest);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the demo did not stop within {STOP_TIMEOUT:?}\n{}",
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

/// What the demo must show, per connector: its status and its code.
fn picture_shown(insights: &Value, alerts: &Value, fixes: &Value) -> bool {
    let connector = |name: &str| {
        insights
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["connector"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let failing_with = |name: &str, code: &str| {
        let insight = connector(name);
        insight["status"] == "failing" && insight["last_error"]["code"] == code
    };
    let healthy = connector("to-adatum");
    healthy["status"] == "healthy"
        && healthy["successes_last_hour"].as_u64() > Some(0)
        && failing_with("to-onprem", "4.4.316")
        && failing_with("to-fabrikam", "4.7.320")
        && failing_with("to-northwind", "4.4.315")
        && alerts.as_array().is_some_and(|a| !a.is_empty())
        && fixes
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "stop-relaying:to-onprem")
}

/// `RCPT TO:<to>` through the demo node's SMTP listener: the reply.
fn rcpt_reply(smtp: SocketAddr, to: &str) -> String {
    let stream = TcpStream::connect_timeout(&smtp, Duration::from_secs(5)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut write = stream.try_clone().unwrap();
    let mut read = BufReader::new(stream);
    let mut reply = || {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            read.read_line(&mut line).unwrap();
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return all;
            }
        }
    };
    assert!(reply().starts_with("220"));
    let mut last = String::new();
    for command in [
        "EHLO test.example\r\n".to_string(),
        "MAIL FROM:<orders@adatum.test>\r\n".to_string(),
        format!("RCPT TO:<{to}>\r\n"),
    ] {
        write.write_all(command.as_bytes()).unwrap();
        last = reply();
    }
    write.write_all(b"QUIT\r\n").unwrap();
    let mut rest = String::new();
    let _ = read.read_to_string(&mut rest);
    last
}

/// The dashboard's card of `connector`.
fn card<'a>(dashboard: &'a str, connector: &str) -> &'a str {
    let start = dashboard
        .find(&format!("id=\"card-{connector}\""))
        .unwrap_or_else(|| panic!("no card for {connector}: {dashboard}"));
    let card = &dashboard[start..];
    &card[..card.find("</article>").unwrap()]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_shows_failing_connectors_within_a_minute_and_stops_cleanly_on_ctrl_c() {
    let scratch = tempfile::tempdir().unwrap();
    let demo = Demo::start(&[], &scratch.path().join("demo.log"));
    assert!(
        demo.console.starts_with("http://127.0.0.1:"),
        "{}",
        demo.console
    );
    assert!(demo.console.ends_with('/'), "{}", demo.console);
    assert!(demo.token.starts_with("mft_"), "{}", demo.token);
    assert!(demo.data_dir.is_dir(), "{}", demo.data_dir.display());
    let smtp: SocketAddr = demo.value("SMTP:").parse().unwrap();

    let deadline = Instant::now() + PICTURE_DEADLINE;
    let (mut insights, mut alerts, mut fixes);
    loop {
        insights = demo.get("/insights").await;
        alerts = demo.get("/alerts").await;
        fixes = demo.get("/fixes").await;
        if picture_shown(&insights, &alerts, &fixes) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not shown within {PICTURE_DEADLINE:?}:\ninsights {insights:#}\nalerts {alerts:#}\nfixes {fixes:#}\n{}",
            demo.logs()
        );
        tokio::time::sleep(POLL_EVERY).await;
    }
    let dashboard = demo.dashboard().await;
    for (connector, code) in [
        ("to-onprem", "4.4.316"),
        ("to-fabrikam", "4.7.320"),
        ("to-northwind", "4.4.315"),
    ] {
        let card = card(&dashboard, connector);
        assert!(
            card.contains("status failing") && card.contains(code),
            "{card}"
        );
    }
    assert!(card(&dashboard, "to-adatum").contains("status healthy"));
    assert!(dashboard.contains("href=\"/fixes/stop-relaying:to-onprem\""));
    let alert = &alerts[0];
    assert_eq!(alert["state"], "open");
    assert!(
        ["to-onprem", "to-fabrikam", "to-northwind"]
            .contains(&alert["connector"].as_str().unwrap()),
        "{alert:#}"
    );
    let onprem = insights
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["connector"] == "to-onprem")
        .unwrap();
    assert!(
        onprem["fixes"]
            .as_array()
            .unwrap()
            .contains(&Value::from("stop-relaying:to-onprem")),
        "{onprem:#}"
    );

    // Stop relaying to on-premises: contoso.test becomes authoritative, the
    // mail waiting for dave (whom the directory does not know) is bounced,
    // and the node refuses him from now on.
    let applied = demo.post("/fixes/stop-relaying:to-onprem/apply").await;
    assert_eq!(applied["action"], "stop-relaying");
    assert_eq!(applied["actor"], "demo-test");
    assert!(
        applied["after"]["recipients_bounced"].as_u64() >= Some(1),
        "{applied:#}"
    );
    let domain = demo.get("/accepted-domains/contoso.test").await;
    assert_eq!(domain["type"], "authoritative", "{domain:#}");
    let refused = rcpt_reply(smtp, "dave@contoso.test");
    assert!(refused.starts_with("550 5.1.10"), "{refused}");
    let accepted = rcpt_reply(smtp, "alice@contoso.test");
    assert!(accepted.starts_with("250"), "{accepted}");

    let data_dir = demo.data_dir.clone();
    let (status, last_lines) = demo.interrupt();
    assert!(status.success(), "{status:?}");
    assert!(!data_dir.exists(), "{} is left behind", data_dir.display());
    assert!(
        last_lines.iter().any(|l| l.contains("is removed")),
        "{last_lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_keep_the_data_directory_stays_after_ctrl_c() {
    let scratch = tempfile::tempdir().unwrap();
    let demo = Demo::start(&["--keep"], &scratch.path().join("demo.log"));
    let tokens = demo.get("/tokens").await;
    assert_eq!(tokens["tokens"][0]["name"], "demo", "{tokens:#}");
    let data_dir = demo.data_dir.clone();
    let (status, last_lines) = demo.interrupt();
    assert!(status.success(), "{status:?}");
    assert!(
        data_dir.join("demo.toml").is_file(),
        "{} is not kept",
        data_dir.display()
    );
    assert!(
        last_lines.iter().any(|l| l.contains("is kept")),
        "{last_lines:?}"
    );
    std::fs::remove_dir_all(&data_dir).unwrap();
}
