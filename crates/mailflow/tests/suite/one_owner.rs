//! One owner of a data directory, with the real binary: a CLI command run
//! beside a node goes through the node's API and leaves its spool alone, a
//! second `serve` on the same directory is refused having changed nothing,
//! and in both cases the mail accepted afterwards is delivered. Without a
//! node, the same commands work on the store under the directory's lock.

use crate::common::{Serve, submit, write_config_to};
use mailflow_testkit::smtp_server::{ReceivedMessage, SmtpBehavior, SmtpServer};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;
use tempfile::TempDir;

const DELIVERY: Duration = Duration::from_secs(30);

/// Runs the CLI on the node `config` names, with `input` on stdin.
fn cli_with_input(args: &[&str], config: &Path, input: &str) -> Output {
    crate::common::cli_with_stdin(args, &[OsStr::new("--config"), config.as_os_str()], input)
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The spool's files, by name.
fn spool_files(data_dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir.join("spool"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

/// A node relaying to a sink, with one message delivered through it: the
/// sink, the directory, the config, the node and its spool's files then.
async fn running_with_one_delivered() -> (SmtpServer, TempDir, PathBuf, Serve, Vec<PathBuf>) {
    let sink = SmtpServer::start(SmtpBehavior::new()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_to(dir.path(), sink.addr(), "");
    let node = Serve::start(&config);
    submit(
        node.smtp,
        "a@fabrikam.test",
        "alice@contoso.test",
        "Subject: one\r\n\r\nx\r\n",
    );
    sink.wait_for_messages(1, DELIVERY).await.unwrap();
    let spool = spool_files(&node.data_dir);
    (sink, dir, config, node, spool)
}

/// Sends a second message and waits until the sink has both.
async fn deliver_another(node: &Serve, sink: &SmtpServer) -> Vec<ReceivedMessage> {
    submit(
        node.smtp,
        "a@fabrikam.test",
        "alice@contoso.test",
        "Subject: two\r\n\r\nx\r\n",
    );
    sink.wait_for_messages(2, DELIVERY).await.unwrap()
}

/// Whether the node's process holds a deleted file open (what a second
/// process removing the node's spool segment looks like from outside).
fn holds_deleted_files(pid: u32) -> bool {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.unwrap().path()).ok())
        .any(|target| target.to_string_lossy().ends_with("(deleted)"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_add_beside_a_running_node_goes_through_its_api_and_loses_no_mail() {
    let (sink, _dir, config, node, spool_before) = running_with_one_delivered().await;

    let added = cli_with_input(&["user", "add", "dan"], &config, "pw\n");
    assert!(stdout(&added).contains("user dan added"));
    assert_eq!(
        spool_files(&node.data_dir),
        spool_before,
        "the spool is untouched"
    );
    assert!(
        !holds_deleted_files(node.pid()),
        "no file of the node was deleted"
    );

    // The change went through the API: it is in the audit log, by the CLI's user.
    let audit = node.json(&["fix", "audit", "--json"]);
    let entry = &audit.as_array().unwrap()[0];
    assert_eq!(entry["action"], "user-add");
    assert_eq!(entry["target"], "dan");
    assert_eq!(entry["actor"], "cli:tester");
    let listed = cli_with_input(&["user", "list", "--json"], &config, "");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout(&listed)).unwrap()["users"][0]["name"],
        "dan"
    );

    let delivered = deliver_another(&node, &sink).await;
    assert_eq!(
        delivered.len(),
        2,
        "the message accepted afterwards is delivered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_serve_on_the_same_data_directory_is_refused_and_changes_nothing() {
    let (sink, _dir, config, node, spool_before) = running_with_one_delivered().await;

    let second = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1), "{second:?}");
    let error = String::from_utf8_lossy(&second.stderr);
    assert!(
        error.contains(&node.data_dir.display().to_string())
            && error.contains(&format!("pid {}", node.pid()))
            && error.contains("nothing was changed"),
        "{error}"
    );
    assert!(String::from_utf8_lossy(&second.stdout).is_empty());
    assert_eq!(spool_files(&node.data_dir), spool_before);
    assert!(!holds_deleted_files(node.pid()));

    let delivered = deliver_another(&node, &sink).await;
    assert_eq!(delivered.len(), 2);
}

#[test]
fn without_a_node_users_and_tokens_are_kept_in_the_store_under_its_lock() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_to(dir.path(), mailflow_testkit::refused_addr(), "");

    let added = cli_with_input(&["user", "add", "erin"], &config, "s3cret\n");
    assert!(stdout(&added).contains("user erin added"));
    let created = cli_with_input(
        &["token", "create", "console", "--scope", "read"],
        &config,
        "",
    );
    let text = stdout(&created);
    let token = text.lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("mft_"), "{text}");
    assert!(dir.path().join("data/lock").exists());

    // A node started afterwards knows both.
    let node = Serve::start(&config);
    let users = cli_with_input(&["user", "list"], &config, "");
    assert!(stdout(&users).contains("erin"));
    let listed = node.cli(&["queue", "list", "--json", "--token", &token]);
    assert!(
        listed.status.success(),
        "a stored read token reads: {listed:?}"
    );
    let refused = node.cli(&["connector", "retry", "to-onprem", "--token", &token]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("403"),
        "a read token may not change anything: {refused:?}"
    );
    let tokens = cli_with_input(&["token", "list", "--json"], &config, "");
    let tokens: serde_json::Value = serde_json::from_str(&stdout(&tokens)).unwrap();
    assert_eq!(tokens["tokens"][0]["name"], "console");
    assert_eq!(tokens["tokens"][0]["scope"], "read");
    assert!(tokens["tokens"][0]["last_used_at"].is_string(), "{tokens}");
    assert!(
        !tokens.to_string().contains(&token),
        "a token is shown once only"
    );

    let revoked = cli_with_input(&["token", "revoke", "console"], &config, "");
    assert!(stdout(&revoked).contains("revoked"));
    let after = node.cli(&["queue", "list", "--json", "--token", &token]);
    assert!(!after.status.success(), "a revoked token opens nothing");
}
