//! Text for people: offered fixes with their previews, and audit entries.

use mailflow_admin::{AuditEntryView, FixView};
use mailflow_core::time_format::text_from_json;
use serde::Serialize;
use std::fmt::Write;

pub fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("API values serialize to JSON")
}

pub fn fixes(fixes: &[FixView]) -> String {
    if fixes.is_empty() {
        return "No fixes offered: no connector has a diagnosed problem or queued mail.".into();
    }
    let mut out = String::new();
    for fix in fixes {
        let because = fix
            .because_of
            .as_deref()
            .map(|c| format!(" (because of {c})"));
        let _ = writeln!(out, "{}{}", fix.id, because.unwrap_or_default());
        let preview = &fix.preview;
        let _ = writeln!(out, "  {}", preview.summary);
        for change in &preview.domain_changes {
            let _ = writeln!(
                out,
                "  domain {}: {} -> {}",
                change.domain, change.from, change.to
            );
        }
        if let Some(tls) = &preview.tls_change {
            let _ = writeln!(
                out,
                "  TLS of {}: {} -> {}",
                tls.connector, tls.from, tls.to
            );
        }
        if let Some(connector) = &preview.connector_disabled {
            let _ = writeln!(out, "  disables {connector}");
        }
        if preview.recipients_to_bounce > 0 {
            let _ = writeln!(
                out,
                "  bounces {} queued recipient(s)",
                preview.recipients_to_bounce
            );
        }
        let _ = writeln!(out, "  risk: {}", preview.risk);
        let _ = writeln!(out, "  undo: {}", preview.undo);
    }
    out.trim_end().to_string()
}

/// One entry just written by apply, undo or a connector action; how to
/// undo it only when it can be undone.
pub fn applied(entry: &AuditEntryView) -> String {
    let undo = if entry.undoable {
        format!("; undo with `mailflow fix undo {}`", entry.id)
    } else {
        String::new()
    };
    format!(
        "{} {} on {} by {} (audit entry {}{undo})\n  before: {}\n  after:  {}",
        text_from_json(&entry.at),
        entry.action,
        entry.target,
        entry.actor,
        entry.id,
        entry.before,
        entry.after
    )
}

pub fn audit(entries: &[AuditEntryView]) -> String {
    if entries.is_empty() {
        return "The audit log is empty.".into();
    }
    let mut out = format!(
        "{:<6} {:<25} {:<28} {:<20} {}\n",
        "ID", "AT", "ACTION", "TARGET", "ACTOR"
    );
    for entry in entries {
        let undone = entry
            .undone_at
            .as_deref()
            .map(|at| format!(" (undone {})", text_from_json(at)));
        let _ = writeln!(
            out,
            "{:<6} {:<25} {:<28} {:<20} {}{}",
            entry.id,
            text_from_json(&entry.at),
            entry.action,
            entry.target,
            entry.actor,
            undone.unwrap_or_default()
        );
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, undoable: bool) -> AuditEntryView {
        AuditEntryView {
            id: 7,
            at: "2026-12-07T06:08:49.414Z".into(),
            org: None,
            actor: "cli:tester".into(),
            action: action.into(),
            target: "to-onprem".into(),
            before: serde_json::json!({}),
            after: serde_json::json!({}),
            undone_at: None,
            undoable,
        }
    }

    #[test]
    fn the_undo_hint_is_given_only_for_what_can_be_undone() {
        let suspended = applied(&entry("suspend", true));
        assert!(
            suspended.starts_with("2026-12-07 06:08:49Z suspend on to-onprem by cli:tester"),
            "{suspended}"
        );
        assert!(
            suspended.contains("(audit entry 7; undo with `mailflow fix undo 7`)"),
            "{suspended}"
        );
        let retried = applied(&entry("retry", false));
        assert!(retried.contains("(audit entry 7)"), "{retried}");
        assert!(!retried.contains("undo"), "{retried}");
    }
}
