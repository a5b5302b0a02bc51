//! The organisation's settings changed live with the built binary's CLI:
//! a connector added carries mail at once and after a restart, `apply -f`
//! shows a difference and applies it, `export | apply -f -` changes
//! nothing, a restart with the same config keeps every edit, and a changed
//! config says which edits it replaced.

use crate::common::{Serve, cli_at, submit, write_config};
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

const DATA: &str = "Subject: hi\r\n\r\nhello\r\n";

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The newest audit entry.
fn last_audit(node: &Serve) -> Value {
    node.json(&["fix", "audit", "--limit", "1", "--json"])[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connector_added_with_the_cli_carries_mail_at_once_and_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let config = write_config(dir.path(), "");
    let node = Serve::start(&config);

    let hop = partner.addr().to_string();
    let added = node.text(&[
        "connector",
        "add",
        "to-fabrikam",
        "--kind",
        "partner",
        "--domain",
        "fabrikam.test",
        "--smart-host",
        &hop,
        "--tls",
        "opportunistic",
        "--connect-timeout",
        "20s",
    ]);
    assert!(added.contains("Added connector to-fabrikam"), "{added}");
    let table = node.text(&["connector", "list"]);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("to-fabrikam") && l.contains(&hop)),
        "{table}"
    );
    let shown = node.json(&["connector", "show", "to-fabrikam", "--json"]);
    assert_eq!(shown["connect_timeout"], "20s");
    let entry = last_audit(&node);
    assert_eq!(
        (entry["action"].as_str(), entry["actor"].as_str()),
        (Some("connector-add"), Some("cli:tester"))
    );

    submit(node.smtp, "bob@example.test", "carol@fabrikam.test", DATA);
    partner
        .wait_for_messages(1, Duration::from_secs(15))
        .await
        .expect("the new connector carries mail at once");

    // A refused edit names the field and changes nothing.
    let refused = node.cli(&["connector", "edit", "to-fabrikam", "--max-connections", "0"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("[field: max_connections]"),
        "{}",
        stderr(&refused)
    );

    // The same config again: the store's connector stays, and carries mail.
    assert!(node.terminate().success());
    let node = Serve::start(&config);
    assert!(
        node.line("org settings:").contains("kept from the store"),
        "{:?}",
        node.summary
    );
    let listed = node.json(&["connector", "list", "--json"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "to-fabrikam")
    );
    submit(node.smtp, "bob@example.test", "dave@fabrikam.test", DATA);
    partner
        .wait_for_messages(2, Duration::from_secs(15))
        .await
        .expect("the connector carries mail after a restart");

    let disabled = node.text(&["connector", "disable", "to-fabrikam"]);
    assert!(
        disabled.contains("Disabled connector to-fabrikam"),
        "{disabled}"
    );
    let removed = node.text(&["connector", "remove", "to-fabrikam"]);
    assert!(
        removed.contains("Removed connector to-fabrikam"),
        "{removed}"
    );
    assert_eq!(last_audit(&node)["action"], "connector-remove");
}

/// An organisation file: contoso.test relayed to a new next hop with TLS
/// required, fabrikam.test added as authoritative with its own connector,
/// and bob in the directory.
fn org_file(dir: &Path, onprem: &str) -> std::path::PathBuf {
    let text = format!(
        r#"
[[accepted_domains]]
name = "contoso.test"
type = "internal_relay"

[[accepted_domains]]
name = "fabrikam.test"
type = "authoritative"

[[connectors]]
name = "to-onprem"
kind = "on_premises"
recipient_domains = ["contoso.test"]
smart_hosts = ["{onprem}"]
tls = "required"

[[connectors]]
name = "to-fabrikam"
kind = "partner"
recipient_domains = ["fabrikam.test"]
smart_hosts = ["mail.fabrikam.test:2525"]

[directory]
recipients = ["alice@contoso.test", "bob@fabrikam.test"]
"#
    );
    let path = dir.join("org.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_shows_and_applies_a_difference_and_export_applied_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "\n[directory]\nrecipients = [\"alice@contoso.test\"]\n",
    );
    let node = Serve::start(&config);
    let file = org_file(dir.path(), "192.0.2.7:2525");
    let file_arg = file.to_str().unwrap();

    let dry = node.text(&["apply", "-f", file_arg, "--dry-run"]);
    for expected in [
        "+ accepted domain fabrikam.test (type = authoritative)",
        "~ connector to-onprem",
        "-> 192.0.2.7:2525",
        "tls: opportunistic -> required",
        "+ connector to-fabrikam",
        "+ directory entry bob@fabrikam.test",
        "3 to add, 1 to change, 0 to remove.",
        "Dry run: nothing changed.",
    ] {
        assert!(dry.contains(expected), "{expected:?} not in:\n{dry}");
    }
    assert_eq!(
        node.json(&["connector", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Without a terminal to ask on, nothing is applied without --yes.
    let unasked = node.cli(&["apply", "-f", file_arg]);
    assert!(!unasked.status.success());
    assert!(stderr(&unasked).contains("--yes"), "{}", stderr(&unasked));
    assert_eq!(
        node.json(&["connector", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let applied = node.text(&["apply", "-f", file_arg, "--yes"]);
    assert!(applied.contains("Applied"), "{applied}");
    let connectors = node.json(&["connector", "list", "--json"]);
    assert_eq!(connectors.as_array().unwrap().len(), 2);
    let domains = node.text(&["domain", "list"]);
    assert!(
        domains
            .lines()
            .any(|l| l.starts_with("fabrikam.test") && l.ends_with("authoritative")),
        "{domains}"
    );
    let entry = last_audit(&node);
    assert_eq!(entry["action"], "org-apply");
    assert_eq!(entry["before"]["connectors"].as_array().unwrap().len(), 1);
    assert_eq!(entry["after"]["connectors"].as_array().unwrap().len(), 2);
    let audit_id = entry["id"].clone();

    let again = node.text(&["apply", "-f", file_arg, "--yes"]);
    assert!(again.contains("No difference"), "{again}");

    let exported = node.text(&["export"]);
    assert!(exported.contains("[[connectors]]"), "{exported}");
    let round_trip = node.cli_with_stdin(&["apply", "-f", "-", "--yes"], &exported);
    assert!(round_trip.status.success(), "{}", stderr(&round_trip));
    let said = String::from_utf8_lossy(&round_trip.stdout);
    assert!(said.contains("No difference"), "{said}");
    assert_eq!(
        last_audit(&node)["id"],
        audit_id,
        "export | apply wrote an audit entry"
    );

    // The directory through the CLI: an import counts its lines.
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "email\nalice@contoso.test\ncarol@fabrikam.test\nnobody\n",
    )
    .unwrap();
    let imported = node.text(&["directory", "import", csv.to_str().unwrap()]);
    assert!(
        imported.contains("Added 1, unchanged 1, refused 1."),
        "{imported}"
    );
    assert!(imported.contains("line 4:"), "{imported}");

    // A restart with the same config undoes none of it.
    assert!(node.terminate().success());
    let node = Serve::start(&config);
    assert!(node.line("org settings:").contains("kept from the store"));
    let listed = node.text(&["directory", "list"]);
    assert!(listed.contains("carol@fabrikam.test"), "{listed}");
    let after_restart = node.cli_with_stdin(&["apply", "-f", "-", "--dry-run"], &exported);
    let said = String::from_utf8_lossy(&after_restart.stdout);
    assert!(
        said.contains("- directory entry carol@fabrikam.test"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_config_replaces_edits_and_the_start_up_summary_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let node = Serve::start(&config);
    let changed = node.cli(&["domain", "edit", "contoso.test", "--type", "authoritative"]);
    assert!(changed.status.success(), "{}", stderr(&changed));
    assert!(String::from_utf8_lossy(&changed.stdout).contains("authoritative"));
    // The change is made, and what it probably does not mean is said.
    assert!(
        stderr(&changed).contains(
            "warning: accepted_domains[0].type: contoso.test is authoritative but the directory lists nobody in it"
        ),
        "{}",
        stderr(&changed)
    );
    assert!(node.terminate().success());
    let check = |config: &Path| {
        let output = Command::new(env!("CARGO_BIN_EXE_mailflow"))
            .arg("check-config")
            .arg(config)
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    };
    let unchanged = check(&config);
    assert!(
        unchanged.contains("org settings      unchanged since the store was last seeded"),
        "{unchanged}"
    );

    // The config's organisation part changes: it is seeded again, and the
    // domain's edit is replaced, which the summary says.
    write_config(
        dir.path(),
        "\n[directory]\nrecipients = [\"alice@contoso.test\"]\n",
    );
    let replacing = check(&config);
    assert!(
        replacing.contains("org settings      changed since the store was last seeded"),
        "{replacing}"
    );
    let node = Serve::start(&config);
    let line = node.line("org settings:");
    assert!(line.contains("the config changed"), "{line}");
    assert!(line.contains("replaced 1 setting(s)"), "{line}");
    let domain = node.json(&["domain", "show", "contoso.test", "--json"]);
    assert_eq!(domain["type"], "internal_relay");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_node_settings_are_changed_in_the_store_and_the_next_start_uses_them() {
    let dir = tempfile::tempdir().unwrap();
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let config = write_config(dir.path(), "");
    let node = Serve::start(&config);
    let (api, data_dir) = (node.api.clone(), node.data_dir.clone());
    assert!(node.terminate().success());

    // No node runs: the CLI serves the same API itself, under the lock.
    let offline = |args: &[&str]| cli_at(&api, &data_dir, args);
    let hop = partner.addr().to_string();
    let added = offline(&[
        "connector",
        "add",
        "to-fabrikam",
        "--kind",
        "partner",
        "--domain",
        "fabrikam.test",
        "--smart-host",
        &hop,
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let refused = offline(&["connector", "edit", "to-fabrikam", "--max-connections", "0"]);
    assert!(
        stderr(&refused).contains("[field: max_connections]"),
        "{}",
        stderr(&refused)
    );
    let retry = offline(&["connector", "retry", "to-onprem"]);
    assert!(!retry.status.success(), "queue actions still need a node");

    let node = Serve::start(&config);
    assert!(
        node.line("org settings:").contains("kept from the store"),
        "an unchanged config keeps the offline edit: {:?}",
        node.summary
    );
    let entry = last_audit(&node);
    assert_eq!(
        (entry["action"].as_str(), entry["actor"].as_str()),
        (Some("connector-add"), Some("cli:tester"))
    );
    submit(node.smtp, "bob@example.test", "carol@fabrikam.test", DATA);
    partner
        .wait_for_messages(1, Duration::from_secs(15))
        .await
        .expect("the connector added offline carries mail");
}
