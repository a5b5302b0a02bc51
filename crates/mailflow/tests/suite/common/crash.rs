//! What the crash tests share: a node whose `to-onprem` connector relays to
//! a next hop the test controls, a load client that says how far each
//! message got, and the subjects a sink received. The crash tests check the
//! durability contract: a message that got `250` is delivered even if the
//! node is killed right after.

use mailflow_testkit::smtp_server::{ReceivedMessage, SmtpServer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;

/// How long the load client waits for one reply before giving up.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// Writes `dir/mailflow.toml` relaying contoso.test to `next_hop`, with a
/// connect time-out long enough that a connect to a black hole is still
/// in flight when the test kills the node.
pub fn write_crash_config(dir: &Path, next_hop: SocketAddr) -> PathBuf {
    super::write_config_to(dir, next_hop, "\n[delivery]\nconnect_timeout = \"60s\"\n")
}

/// How far one submission got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submission {
    /// `250` after the final dot: the node owns the message.
    Accepted,
    /// The final dot was sent but no reply came: the node may or may not own it.
    Unanswered,
    /// It failed before the final dot (refused connection, bad reply): not sent.
    NotSent,
}

/// Sends one message from bob to alice@contoso.test with this `subject`.
pub async fn submit_subject(smtp: SocketAddr, subject: &str) -> Submission {
    let Ok(Ok(stream)) = tokio::time::timeout(REPLY_TIMEOUT, TcpStream::connect(smtp)).await else {
        return Submission::NotSent;
    };
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    if !reply_starts_with(&mut read, "220").await {
        return Submission::NotSent;
    }
    let steps = [
        ("EHLO load.test\r\n", "250"),
        ("MAIL FROM:<bob@contoso.test>\r\n", "250"),
        ("RCPT TO:<alice@contoso.test>\r\n", "250"),
        ("DATA\r\n", "354"),
    ];
    for (command, code) in steps {
        if write.write_all(command.as_bytes()).await.is_err()
            || !reply_starts_with(&mut read, code).await
        {
            return Submission::NotSent;
        }
    }
    let data = format!("Subject: {subject}\r\n\r\nbody of {subject}\r\n.\r\n");
    if write.write_all(data.as_bytes()).await.is_err() {
        return Submission::NotSent;
    }
    match final_reply(&mut read).await {
        Some(line) if line.starts_with("250") => Submission::Accepted,
        Some(_) => Submission::NotSent,
        None => Submission::Unanswered,
    }
}

/// Whether the next reply (all its lines) starts with `code`.
async fn reply_starts_with(read: &mut BufReader<OwnedReadHalf>, code: &str) -> bool {
    final_reply(read)
        .await
        .is_some_and(|line| line.starts_with(code))
}

/// The last line of the next reply, or `None` if the connection ended or
/// went quiet first.
async fn final_reply(read: &mut BufReader<OwnedReadHalf>) -> Option<String> {
    loop {
        let mut line = String::new();
        match tokio::time::timeout(REPLY_TIMEOUT, read.read_line(&mut line)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => return None,
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Some(line);
        }
    }
}

/// The subject of every message the sink received, once per arrival.
pub fn received_subjects(sink: &SmtpServer) -> Vec<String> {
    subjects_of(&sink.messages())
}

/// The subject of each message, in the same order.
pub fn subjects_of(messages: &[ReceivedMessage]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|m| {
            m.data_text()
                .lines()
                .find_map(|l| l.strip_prefix("Subject: ").map(str::to_string))
        })
        .collect()
}
