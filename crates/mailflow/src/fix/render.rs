//! Text for people: offered fixes with their previews, and audit entries.

use mailflow_admin::{AuditEntryView, FixView};
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

/// One entry just written by apply, undo or a connector action.
pub fn applied(entry: &AuditEntryView) -> String {
    format!(
        "{} {} on {} by {} (audit entry {}; undo with `mailflow fix undo {}`)\n  before: {}\n  after:  {}",
        entry.at,
        entry.action,
        entry.target,
        entry.actor,
        entry.id,
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
            .map(|at| format!(" (undone {at})"));
        let _ = writeln!(
            out,
            "{:<6} {:<25} {:<28} {:<20} {}{}",
            entry.id,
            entry.at,
            entry.action,
            entry.target,
            entry.actor,
            undone.unwrap_or_default()
        );
    }
    out.trim_end().to_string()
}
