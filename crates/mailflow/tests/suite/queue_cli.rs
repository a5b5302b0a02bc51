//! `mailflow queue retry|suspend|resume|bounce|delete` and `queue list`'s
//! age filter as the built binary, against a running `mailflow serve`
//! whose on-premises server refuses connections, so mail to contoso.test
//! waits.

use crate::common::{Serve, submit, write_config};
use serde_json::Value;
use std::time::Duration;

/// Submits `count` messages from `<>` to contoso.test and waits until the
/// first attempt was refused (the next hop now waits, holding the others
/// queued) and none is in flight; returns their ids, newest first.
async fn waiting_messages(serve: &Serve, count: usize) -> Vec<String> {
    for n in 0..count {
        let data = format!("Message-ID: <cli.{n}@example.test>\r\nSubject: {n}\r\n\r\nhi\r\n");
        submit(serve.smtp, "", "zed@contoso.test", &data);
    }
    for _ in 0..250 {
        let page = serve.json(&["queue", "list", "--json"]);
        let messages = page["messages"].as_array().unwrap();
        let now = states(&page);
        if messages.len() == count
            && now.iter().any(|s| s == "deferred")
            && now.iter().all(|s| s == "deferred" || s == "queued")
        {
            return messages
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string())
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    panic!("the messages never waited");
}

fn states(page: &Value) -> Vec<String> {
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["recipients"][0]["state"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filter_bounce_needs_yes_without_a_terminal_and_then_bounces_what_it_counted() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));
    waiting_messages(&serve, 3).await;
    let listed = || states(&serve.json(&["queue", "list", "--json"]));
    let before = listed();

    let counted = serve.text(&["queue", "bounce", "--connector", "to-onprem", "--dry-run"]);
    assert_eq!(counted.trim(), "3 message(s), 3 recipient(s) match");

    // stdin is not a terminal here: without --yes, nothing is done.
    let refused = serve.cli(&["queue", "bounce", "--connector", "to-onprem"]);
    assert!(!refused.status.success());
    let error = String::from_utf8_lossy(&refused.stderr);
    assert!(
        error.contains("3 message(s), 3 recipient(s) match"),
        "{error}"
    );
    assert!(
        error.contains("bounce 3 messages needs confirmation, and stdin is not a terminal: pass --yes; nothing was bounced"),
        "{error}"
    );
    assert_eq!(listed(), before);

    let done = serve.json(&[
        "queue",
        "bounce",
        "--connector",
        "to-onprem",
        "--yes",
        "--json",
    ]);
    assert_eq!(done["messages"], 3);
    assert_eq!(done["recipients"], 3);
    assert_eq!(done["audit_ids"].as_array().unwrap().len(), 1);
    assert_eq!(listed(), ["failed", "failed", "failed"]);

    let log = serve.json(&["fix", "audit", "--json"]);
    assert_eq!(log[0]["action"], "queue-bounce");
    assert_eq!(log[0]["actor"], "cli:tester");
    assert_eq!(log[0]["before"]["filter"]["connector"], "to-onprem");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_message_is_suspended_and_deleted_by_id_and_the_list_filters_by_age() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));
    let ids = waiting_messages(&serve, 2).await;

    let text = serve.text(&["queue", "suspend", &ids[0]]);
    assert!(
        text.starts_with(&format!("suspended 1 recipient(s) of message {}", ids[0])),
        "{text}"
    );
    let suspended = serve.json(&["queue", "list", "--state", "suspended", "--json"]);
    assert_eq!(suspended["messages"][0]["id"], ids[0].as_str());

    // One message needs no confirmation, even to delete it.
    let text = serve.text(&["queue", "delete", &ids[0]]);
    assert!(text.starts_with("deleted 1 recipient(s)"), "{text}");
    let shown = serve.cli(&["queue", "show", &ids[0]]);
    assert!(!shown.status.success());

    let page = serve.json(&["queue", "list", "--older-than", "1h", "--json"]);
    assert_eq!(page["messages"], Value::Array(Vec::new()));
    let page = serve.json(&["queue", "list", "--newer-than", "1h", "--json"]);
    assert_eq!(page["messages"][0]["id"], ids[1].as_str());
    let page = serve.json(&["queue", "list", "--limit", "1", "--json"]);
    assert!(page["next_cursor"].is_string(), "{page}");
    let table = serve.text(&["queue", "list", "--limit", "1"]);
    assert!(table.contains("(more: add --cursor "), "{table}");

    let trace = serve.json(&["trace", "--message-id", "<cli.0@example.test>", "--json"]);
    assert_eq!(trace[0]["message"]["id"], ids[1].as_str());
}
