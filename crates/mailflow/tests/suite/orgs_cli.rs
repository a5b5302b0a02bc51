//! `mailflow org` and `--org` with the built binary: an organisation is
//! made, listed, renamed and removed against a running `mailflow serve`;
//! `--org NAME` (or `MAILFLOW_ORG`) is sent as the `x-mailflow-org` header
//! on every request, left out when not given, and a name that cannot be an
//! organisation's is refused before anything is sent.

use crate::common::{Serve, cli_at, write_config};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn an_organisation_is_made_listed_renamed_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));

    let made = serve.text(&["org", "create", "globex"]);
    assert!(made.starts_with("Organisation globex made"), "{made}");
    let table = serve.text(&["org", "list"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{table}");
    assert!(lines[1].starts_with("default *"), "{table}");
    assert!(lines[1].contains("contoso.test"), "{table}");
    assert!(lines[1].ends_with("to-onprem"), "{table}");
    assert!(lines[2].starts_with("globex "), "{table}");
    let listed = serve.json(&["org", "list", "--json"]);
    assert_eq!(listed[1]["name"], "globex", "{listed}");
    assert_eq!(listed[1]["own"], false, "{listed}");

    let again = serve.cli(&["org", "create", "globex"]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("(409): an organisation named \"globex\" exists already"),
        "{}",
        stderr(&again)
    );
    let bad = serve.cli(&["org", "create", "a/b"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("[field: name]"), "{}", stderr(&bad));

    let renamed = serve.json(&["org", "rename", "globex", "initech", "--json"]);
    assert_eq!(renamed["name"], "initech", "{renamed}");
    let own = serve.cli(&["org", "rename", "default", "other"]);
    assert!(!own.status.success());
    assert!(
        stderr(&own).contains("this node's own organisation"),
        "{}",
        stderr(&own)
    );

    let removed = serve.text(&["org", "remove", "initech"]);
    assert_eq!(
        removed.trim(),
        "Organisation initech removed, with everything it had."
    );
    let listed = serve.json(&["org", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let gone = serve.cli(&["org", "remove", "initech"]);
    assert!(!gone.status.success());
    assert!(
        stderr(&gone).contains("(404): no organisation named \"initech\""),
        "{}",
        stderr(&gone)
    );
    let audit = serve.json(&["fix", "audit", "--limit", "3", "--json"]);
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["org-remove", "org-rename", "org-create"],
        "{audit}"
    );
    assert_eq!(audit[0]["actor"], "cli:tester", "{audit}");
}

/// One request's head as `mailflow` sent it to a stand-in API, which
/// answers `[]`.
fn request_head(args: &[&str], env: &[(&str, &str)]) -> (Output, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let api = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let mut stream = stream;
        let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                      content-length: 2\r\nconnection: close\r\n\r\n[]";
        stream.write_all(answer.as_bytes()).unwrap();
        head.to_ascii_lowercase()
    });
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailflow"));
    command
        .args(args)
        .args(["--api", &api, "--token", "a-token"])
        .env_remove("MAILFLOW_ORG")
        .env("USER", "tester");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    (output, server.join().unwrap())
}

#[test]
fn org_names_the_organisation_in_a_header_on_every_request_only_when_given() {
    let (output, head) = request_head(&["alerts", "--org", "globex"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(head.contains("\r\nx-mailflow-org: globex\r\n"), "{head}");
    assert!(
        head.contains("\r\nx-mailflow-actor: cli:tester\r\n"),
        "{head}"
    );

    let (output, head) = request_head(&["alerts"], &[("MAILFLOW_ORG", "initech")]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(head.contains("\r\nx-mailflow-org: initech\r\n"), "{head}");

    let (output, head) = request_head(&["alerts"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!head.contains("x-mailflow-org"), "{head}");
}

#[test]
fn a_name_that_cannot_be_an_organisations_is_refused_before_anything_is_sent() {
    let output = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .args(["alerts", "--org", "a/b", "--api", "http://127.0.0.1:9"])
        .args(["--token", "a-token"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("error: --org: \"a/b\" is not an organisation name"),
        "{}",
        stderr(&output)
    );
}

/// `--org` acts on another organisation: its own (empty) settings, and a
/// `404` for one that does not exist.
#[tokio::test]
async fn org_reads_another_organisations_settings_and_names_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));
    serve.text(&["org", "create", "globex"]);

    let ours = serve.json(&["domain", "list", "--json"]);
    assert_eq!(ours[0]["name"], "contoso.test", "{ours}");
    let theirs = serve.json(&["domain", "list", "--json", "--org", "globex"]);
    assert_eq!(theirs, serde_json::json!([]), "{theirs}");
    let text = serve.text(&["domain", "list", "--org", "globex"]);
    assert!(text.starts_with("No accepted domains."), "{text}");

    let unknown = serve.cli(&["domain", "list", "--org", "nosuch"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("(404): no organisation named \"nosuch\""),
        "{}",
        stderr(&unknown)
    );
}

#[tokio::test]
async fn without_a_node_organisations_are_made_in_the_store_and_the_next_start_serves_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let node = Serve::start(&config);
    let (api, data_dir) = (node.api.clone(), node.data_dir.clone());
    assert!(node.terminate().success());

    // No node runs: the CLI serves the API itself, under the lock.
    let offline = |args: &[&str]| {
        let output = cli_at(&api, &data_dir, args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let made = offline(&["org", "create", "globex"]);
    assert!(made.starts_with("Organisation globex made"), "{made}");
    let domain = ["domain", "add", "globex.test", "--type", "authoritative"];
    offline(&[&domain[..], &["--org", "globex"]].concat());

    let node = Serve::start(&config);
    let listed = node.json(&["org", "list", "--json"]);
    assert_eq!(listed[0]["name"], "default", "{listed}");
    assert_eq!(
        (&listed[1]["name"], &listed[1]["accepted_domains"]),
        (&"globex".into(), &serde_json::json!(["globex.test"])),
        "{listed}"
    );
    let ours = node.json(&["domain", "list", "--json"]);
    assert_eq!(ours[0]["name"], "contoso.test", "{ours}");
}

#[tokio::test]
async fn a_token_is_made_for_one_organisation_listed_with_it_and_revoked_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));
    serve.text(&["org", "create", "globex"]);

    let made = serve.json(&["token", "create", "gx", "--org", "globex", "--json"]);
    assert_eq!(made["org"], "globex", "{made}");
    let text = serve.text(&["token", "create", "gx", "--org", "default"]);
    assert!(text.contains("for the organisation default"), "{text}");
    let listed = serve.json(&["token", "list", "--json"]);
    let orgs: Vec<&str> = listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|token| token["org"].as_str().unwrap())
        .collect();
    assert_eq!(orgs.len(), 2, "{listed}");
    assert!(
        orgs.contains(&"globex") && orgs.contains(&"default"),
        "{listed}"
    );
    let table = serve.text(&["token", "list"]);
    assert!(
        table.lines().next().unwrap().contains("ORGANISATION"),
        "{table}"
    );

    let unknown = serve.cli(&["token", "create", "x", "--org", "nosuch"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no organisation named \"nosuch\""),
        "{}",
        stderr(&unknown)
    );
    serve.text(&["token", "revoke", "gx", "--org", "globex"]);
    let listed = serve.json(&["token", "list", "--json"]);
    assert_eq!(listed["tokens"][0]["org"], "default", "{listed}");
    assert_eq!(listed["tokens"].as_array().unwrap().len(), 1, "{listed}");
}
