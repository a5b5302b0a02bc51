//! `mailflow check-config` run as the built binary: a summary and exit 0 for
//! a good file; for a bad one, exit 1 and an error naming file, line and key.

use std::path::Path;
use std::process::{Command, Output};

fn check_config(file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .arg("check-config")
        .arg(file)
        .output()
        .unwrap()
}

/// Writes `text` as `mailflow.toml` in a fresh directory, runs check-config
/// there, and returns (exit code, stderr).
fn check_text(text: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mailflow.toml"), text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .current_dir(dir.path())
        .args(["check-config", "mailflow.toml"])
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn assert_refused(text: &str, location: &str, message_part: &str) {
    let (code, stderr) = check_text(text);
    assert_eq!(code, Some(1), "stderr: {stderr}");
    assert!(
        stderr.starts_with(&format!("error: {location}: ")),
        "expected {location:?} in {stderr:?}"
    );
    assert!(
        stderr.contains(message_part),
        "expected {message_part:?} in {stderr:?}"
    );
}

const CONNECTOR: &str = "[[connectors]]\nname = \"to-onprem\"\nkind = \"on_premises\"\nrecipient_domains = [\"contoso.test\"]\n";

#[test]
fn the_example_config_is_good_and_summarised() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mailflow.toml");
    let output = check_config(&example);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout
            .lines()
            .next()
            .unwrap()
            .ends_with("mailflow.toml: OK"),
        "{stdout}"
    );
    assert!(stdout.contains("relay.example.test"));
    assert!(
        stdout
            .contains("to-onprem: on_premises, contoso.test -> 127.0.0.1:2526, TLS opportunistic")
    );
    assert!(
        stdout.contains(
            "35MB per message, headers up to 256KB, 1000 recipients (then 1000 refused for now before each is an error); 512MB for messages being received at once, 128MB of it from one client address; lines up to 998 characters"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "1000 at once, 20 per client address, each open at most 1h and closed after 100 commands without a message; AUTH refused to an address after 10 failed log-ins, for 15m"
        ),
        "{stdout}"
    );
}

#[test]
fn an_unknown_tls_policy_names_file_line_and_key() {
    let text = format!("# a comment\n{CONNECTOR}tls = \"strict\"\n");
    assert_refused(
        &text,
        "mailflow.toml:6: connectors[0].tls",
        "unknown variant `strict`",
    );
}

#[test]
fn an_unknown_key_names_file_line_and_key() {
    assert_refused(
        "[queue]\nexpiry = \"24h\"\n",
        "mailflow.toml:2: queue.expiry",
        "unknown field `expiry`",
    );
}

#[test]
fn a_bad_duration_names_file_line_and_key() {
    assert_refused(
        "[queue]\nretry = [\"1m\", \"5x\"]\n",
        "mailflow.toml:2: queue.retry[1]",
        "\"5x\" is not a duration",
    );
}

#[test]
fn a_bad_size_names_file_line_and_key() {
    assert_refused(
        "[server]\nmax_message_size = \"35 parsecs\"\n",
        "mailflow.toml:2: server.max_message_size",
        "is not a size",
    );
}

#[test]
fn a_duplicate_connector_names_file_line_and_key() {
    let text = format!("{CONNECTOR}\n{CONNECTOR}");
    assert_refused(
        &text,
        "mailflow.toml:7: connectors[1].name",
        "already defined",
    );
}

#[test]
fn an_uncovered_internal_relay_domain_names_file_line_and_key() {
    let text = "[[accepted_domains]]\nname = \"contoso.test\"\ntype = \"internal_relay\"\n";
    assert_refused(
        text,
        "mailflow.toml:2: accepted_domains[0].name",
        "no connector carries it",
    );
}

#[test]
fn a_syntax_error_names_file_and_line() {
    let (code, stderr) = check_text("[server]\nhostname = relay\n");
    assert_eq!(code, Some(1));
    assert!(stderr.starts_with("error: mailflow.toml:2: "), "{stderr}");
}

#[test]
fn a_warning_is_printed_but_the_file_is_good() {
    let text = "[[accepted_domains]]\nname = \"contoso.test\"\ntype = \"authoritative\"\n[directory]\nrecipients = [\"alice@contoso.test\"]\n";
    let (code, stderr) = check_text(text);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning: mailflow.toml:2: accepted_domains[0].name: no connector carries contoso.test"
        ),
        "{stderr}"
    );
}

#[test]
fn a_missing_config_file_is_an_error() {
    let output = check_config(Path::new("/no/such/mailflow.toml"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: /no/such/mailflow.toml: cannot read the file"),
        "{stderr}"
    );
}

#[test]
fn alerts_and_per_connector_rules_are_summarised_without_the_webhook_secret() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{CONNECTOR}\n[alerts]\nqueued_threshold = 50\nqueued_age = \"30m\"\n\
         webhook_url = \"http://127.0.0.1:9/hook\"\nwebhook_secret = \"s3cr3t-webhook-key-42\"\n\
         admin_emails = [\"ops@contoso.test\"]\n\n[alerts.connectors.to-onprem]\nqueued_threshold = 5\n"
    );
    std::fs::write(dir.path().join("mailflow.toml"), text).unwrap();
    let output = check_config(&dir.path().join("mailflow.toml"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let alerts = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("alerts "))
        .unwrap_or_else(|| panic!("no alerts line: {stdout}"));
    assert!(
        alerts.contains("when 50 recipients wait longer than 30m"),
        "{alerts}"
    );
    assert!(
        alerts.contains("webhook http://127.0.0.1:9/hook (signed)"),
        "{alerts}"
    );
    assert!(alerts.contains("e-mail to ops@contoso.test"), "{alerts}");
    assert!(
        stdout.contains("alert rules       to-onprem: 5 recipients"),
        "{stdout}"
    );
    assert!(!stdout.contains("s3cr3t"), "{stdout}");
}

#[test]
fn two_connectors_carrying_one_domain_are_refused_naming_both() {
    let text = format!(
        "{CONNECTOR}\n[[connectors]]\nname = \"backup\"\nkind = \"partner\"\nrecipient_domains = [\"fabrikam.test\", \"contoso.test\"]\nsmart_hosts = [\"127.0.0.1:2527\"]\n"
    );
    assert_refused(
        &text,
        "mailflow.toml:9: connectors[1].recipient_domains[1]",
        "contoso.test is carried by both connectors \"to-onprem\" and \"backup\"",
    );
}
