//! How a trace is printed for people: per message, its envelope and then
//! one line per event, oldest first.

use mailflow_admin::TraceView;
use mailflow_core::time_format::text_from_json;
use serde::Serialize;
use std::fmt::Write;

pub fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("traces serialize to JSON")
}

pub fn text(traces: &[TraceView]) -> String {
    if traces.is_empty() {
        return "no messages match".into();
    }
    let blocks: Vec<String> = traces.iter().map(block).collect();
    blocks.join("\n\n")
}

fn block(trace: &TraceView) -> String {
    let message = &trace.message;
    let sender = if message.sender.is_empty() {
        "<>"
    } else {
        &message.sender
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "message {} from {sender}, received {}",
        message.id,
        text_from_json(&message.received_at)
    );
    for recipient in &message.recipients {
        let _ = writeln!(
            out,
            "  {}: {} after {} attempt(s)",
            recipient.address, recipient.state, recipient.attempts
        );
    }
    for event in &trace.events {
        let who = event
            .recipient
            .as_deref()
            .map(|r| format!(" [{r}]"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {}  {:<17}{who} {}",
            text_from_json(&event.at),
            event.kind,
            event.summary
        );
        for address in &event.addresses {
            let outcome = match (&address.code, &address.detail) {
                (Some(code), Some(detail)) => format!("{code} {detail}"),
                _ => "took the message".to_string(),
            };
            let target = address.address.as_deref().unwrap_or("unresolved");
            let _ = writeln!(
                out,
                "      {} {target} ({}, {} ms): {outcome}",
                address.host, address.stage, address.elapsed_ms
            );
        }
    }
    out.trim_end().to_string()
}
