//! `mailflow node` as the built binary, against a running `mailflow serve`
//! named in its config: the node is listed running, `drain --wait` returns
//! once it is drained (and its SMTP listener then turns clients away with
//! `421 4.3.2`), `resume` takes it back, and an unknown name is refused.

use crate::common::{Serve, write_config};
use std::io::{BufRead, BufReader};

fn greeting(serve: &Serve) -> String {
    let stream = std::net::TcpStream::connect(serve.smtp).unwrap();
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).unwrap();
    line
}

#[tokio::test]
async fn a_named_node_is_listed_drained_with_wait_and_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), "[node]\nname = \"relay-one\"\n"));

    let table = serve.text(&["node", "list"]);
    let line = table.lines().nth(1).unwrap_or_default();
    assert!(line.starts_with("relay-one *  running"), "{table}");
    assert!(line.contains(env!("CARGO_PKG_VERSION")), "{table}");
    assert!(line.contains(&serve.api), "its admin API: {table}");

    let drained = serve.text(&["node", "drain", "relay-one", "--wait", "--timeout", "30s"]);
    assert!(drained.contains("node relay-one is drained"), "{drained}");
    let listed = serve.json(&["node", "list", "--json"]);
    assert_eq!(listed[0]["state"], "drained", "{listed}");
    assert_eq!(listed[0]["drain_requested"], true, "{listed}");
    let refused = greeting(&serve);
    assert!(refused.starts_with("421 4.3.2 "), "{refused}");

    let resumed = serve.text(&["node", "resume", "relay-one"]);
    assert_eq!(resumed.trim(), "node relay-one takes work again");
    // The node looks at once; its listener takes clients again a moment later.
    let welcomed = (0..200)
        .map(|_| greeting(&serve))
        .find(|g| g.starts_with("220 "));
    assert!(welcomed.is_some(), "the node takes mail again after resume");
    let listed = serve.json(&["node", "list", "--json"]);
    assert_eq!(listed[0]["drain_requested"], false, "{listed}");
}

#[tokio::test]
async fn draining_a_node_no_one_knows_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));
    let output = serve.cli(&["node", "drain", "relay-nine"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("404") && stderr.contains("no node named \"relay-nine\""),
        "{stderr}"
    );
}
