//! `SIGHUP` to the built binary: the config file is read again; a live
//! setting (`max_recipients`) applies from the next SMTP session, a broken
//! file keeps the running settings and the node keeps working, a change
//! that needs a restart is named in the log and not applied, and a changed
//! organisation part is seeded again and in force, as is a new log level. The logs, not
//! on a terminal, carry no colour codes and start with the time in UTC.

use crate::common::{Serve, submit, write_config};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

/// The test config with `lines` added to `[server]`.
fn with_server_lines(config: &Path, base: &str, lines: &str) {
    let text = base.replace(
        "smtp_listen = [\"127.0.0.1:0\"]",
        &format!("smtp_listen = [\"127.0.0.1:0\"]\n{lines}"),
    );
    assert_ne!(text, base, "the [server] section moved");
    std::fs::write(config, text).unwrap();
}

/// Waits until `needle` occurs `times` times in the log, bounded.
fn wait_for_log(log: &Path, needle: &str, times: usize) -> String {
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.matches(needle).count() >= times {
            return text;
        }
        assert!(
            started.elapsed() < WAIT,
            "{needle:?} not logged {times} time(s): {text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One session: the greeting, then `count` recipients; every reply.
fn rcpt_replies(smtp: SocketAddr, count: usize) -> (String, Vec<String>) {
    let stream = TcpStream::connect_timeout(&smtp, WAIT).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut write = stream.try_clone().unwrap();
    let mut read = BufReader::new(stream);
    let greeting = reply(&mut read);
    let mut say = |line: String| {
        write.write_all(line.as_bytes()).unwrap();
        reply(&mut read)
    };
    say("EHLO client.test\r\n".into());
    say("MAIL FROM:<a@client.test>\r\n".into());
    let replies = (0..count)
        .map(|n| say(format!("RCPT TO:<user{n}@contoso.test>\r\n")))
        .collect();
    say("QUIT\r\n".into());
    (greeting, replies)
}

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

fn codes(replies: &[String]) -> Vec<&str> {
    replies.iter().map(|r| &r[..3]).collect()
}

#[test]
fn sighup_applies_live_settings_keeps_them_on_a_broken_file_and_names_restart_only_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let base = std::fs::read_to_string(&config).unwrap();
    with_server_lines(&config, &base, "max_recipients = 2");
    let log = dir.path().join("serve.log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailflow"));
    command
        .args(["serve", "--config"])
        .arg(&config)
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()));
    let serve = Serve::spawn(&mut command, &config);

    let (_, replies) = rcpt_replies(serve.smtp, 3);
    assert_eq!(codes(&replies), ["250", "250", "452"], "{replies:?}");

    // A live setting: the next session answers the new limit.
    with_server_lines(&config, &base, "max_recipients = 3");
    serve.signal("HUP");
    wait_for_log(&log, "config reloaded (SIGHUP)", 1);
    let (_, replies) = rcpt_replies(serve.smtp, 4);
    assert_eq!(codes(&replies), ["250", "250", "250", "452"], "{replies:?}");

    // A broken file: the running settings stay, and the log says where.
    std::fs::write(&config, "[server\nmax_recipients = 1\n").unwrap();
    serve.signal("HUP");
    let text = wait_for_log(&log, "config not reloaded (SIGHUP)", 1);
    let refusal = text
        .lines()
        .find(|l| l.contains("config not reloaded"))
        .unwrap();
    assert!(
        refusal.contains(&config.display().to_string()) && refusal.contains(":1"),
        "{refusal}"
    );
    let (_, replies) = rcpt_replies(serve.smtp, 4);
    assert_eq!(codes(&replies), ["250", "250", "250", "452"], "{replies:?}");
    submit(
        serve.smtp,
        "a@client.test",
        "bob@contoso.test",
        "Subject: still working\r\n\r\nhello\r\n",
    );

    // A setting that needs a restart is named, and keeps its value.
    let renamed = base.replace(
        "hostname = \"relay.test\"",
        "hostname = \"other.test\"\nmax_recipients = 3",
    );
    std::fs::write(&config, renamed).unwrap();
    serve.signal("HUP");
    let text = wait_for_log(&log, "config reloaded (SIGHUP)", 2);
    let restart = text
        .lines()
        .find(|l| l.contains("need a restart"))
        .unwrap_or_else(|| panic!("no restart named: {text}"));
    assert!(restart.contains("server.hostname"), "{restart}");
    let (greeting, replies) = rcpt_replies(serve.smtp, 4);
    assert!(greeting.starts_with("220 relay.test "), "{greeting}");
    assert_eq!(codes(&replies), ["250", "250", "250", "452"], "{replies:?}");

    // Reloads of an unchanged organisation part left it alone; a changed
    // one is seeded again and in force, as at start-up: contoso.test now
    // refuses recipients the directory lacks.
    let so_far = std::fs::read_to_string(&log).unwrap();
    assert!(
        !so_far.contains("the organisation part changed"),
        "{so_far}"
    );
    let authoritative = base
        .replace("type = \"internal_relay\"", "type = \"authoritative\"")
        .replace(
            "smtp_listen = [\"127.0.0.1:0\"]",
            "smtp_listen = [\"127.0.0.1:0\"]\nmax_recipients = 3",
        )
        + "\n[directory]\nrecipients = [\"user1@contoso.test\"]\n\n[log]\nlevel = \"debug\"\n";
    std::fs::write(&config, authoritative).unwrap();
    serve.signal("HUP");
    wait_for_log(&log, "the organisation part changed", 1);
    let (_, replies) = rcpt_replies(serve.smtp, 2);
    assert_eq!(codes(&replies), ["550", "250"], "{replies:?}");
    // And the log level changed with it: sessions are logged at debug.
    assert!(!so_far.contains("SMTP session started"), "{so_far}");
    wait_for_log(&log, "SMTP session started", 1);

    assert!(serve.terminate().success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in a log file: {text}"
    );
    let first = text.lines().next().unwrap();
    let stamp = first.split(' ').take(2).collect::<Vec<_>>().join(" ");
    assert_eq!(stamp.len(), "2026-12-07 06:08:49Z".len(), "{first}");
    assert!(
        stamp.ends_with('Z') && stamp.as_bytes()[10] == b' ',
        "{first}"
    );
}
