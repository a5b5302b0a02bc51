//! `mailflow insights` and `mailflow trace` as the built binary, against a
//! running `mailflow serve` whose on-premises server refuses connections:
//! a message sent over SMTP is deferred with 4.4.316, the insight says so
//! and what to do, and the trace lists what happened to the message.

use crate::common::{Serve, submit, write_config};
use std::time::Duration;

#[test]
fn insights_and_trace_show_a_refused_connector_and_its_deferred_message() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(&write_config(dir.path(), ""));
    submit(
        serve.smtp,
        "bob@example.test",
        "alice@contoso.test",
        "Subject: hi\r\n\r\nhello\r\n",
    );

    let deferred = (0..250)
        .map(|attempt| {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(40));
            }
            serve.json(&["insights", "--json"])
        })
        .find(|list| list[0]["last_error"]["code"] == "4.4.316")
        .expect("the message is deferred with 4.4.316");
    assert_eq!(deferred[0]["connector"], "to-onprem");
    assert_eq!(deferred[0]["status"], "failing");

    let table = serve.text(&["insights"]);
    let row = table
        .lines()
        .find(|l| l.starts_with("to-onprem"))
        .unwrap_or_else(|| panic!("{table}"));
    for word in ["on_premises", "failing", "4.4.316 connection_refused"] {
        assert!(row.contains(word), "{word} in {row:?}");
    }
    let detail = serve.text(&["insights", "to-onprem"]);
    for part in [
        "Likely causes:",
        "What to do:",
        "stop-relaying:to-onprem",
        "Queued:          1",
    ] {
        assert!(detail.contains(part), "{part} in\n{detail}");
    }

    let trace = serve.text(&["trace", "--recipient", "alice@contoso.test"]);
    for part in [
        "from bob@example.test",
        "received",
        "Routed to connector to-onprem, next hop to-onprem, because of accepted domain contoso.test",
        "attempt",
        "deferred",
        "4.4.316",
    ] {
        assert!(trace.contains(part), "{part} in\n{trace}");
    }
    let traces = serve.json(&["trace", "--sender", "bob@example.test", "--json"]);
    let types: Vec<&str> = traces[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["received", "routed", "attempt", "deferred"]);

    let bad = serve.cli(&["trace", "--since", "yesterday"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("[field: since]"));
}
