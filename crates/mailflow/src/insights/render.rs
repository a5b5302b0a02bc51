//! How insights are printed for people: a table of every connector, or a
//! block of text for one.

use mailflow_core::text_time;
use mailflow_insight::{ConnectorInsight, InsightKind};
use serde::Serialize;
use std::fmt::Write;

pub fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("insights serialize to JSON")
}

const HEADERS: [&str; 7] = [
    "CONNECTOR",
    "KIND",
    "STATUS",
    "QUEUED",
    "OLDEST",
    "LAST HOUR",
    "LAST ERROR",
];

pub fn table(insights: &[ConnectorInsight]) -> String {
    if insights.is_empty() {
        return "no connectors".into();
    }
    let mut rows: Vec<[String; 7]> = vec![HEADERS.map(String::from)];
    rows.extend(insights.iter().map(row));
    crate::text_table::aligned(&rows)
}

fn row(insight: &ConnectorInsight) -> [String; 7] {
    let last_error = insight
        .last_error
        .as_ref()
        .map(|e| format!("{} {}", e.code, e.category))
        .unwrap_or_else(|| "-".into());
    [
        name(insight),
        kind(insight.kind).into(),
        insight.status.as_str().into(),
        insight.queued.to_string(),
        insight
            .oldest_age_seconds
            .map(age)
            .unwrap_or_else(|| "-".into()),
        format!(
            "{}/{} delivered",
            insight.successes_last_hour, insight.attempts_last_hour
        ),
        last_error,
    ]
}

/// Everything about one connector, for someone deciding what to do.
pub fn detail(insight: &ConnectorInsight) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}): {}",
        name(insight),
        kind(insight.kind),
        insight.status.as_str()
    );
    let _ = writeln!(out, "  {}", insight.explanation.summary);
    let _ = writeln!(out, "Queued:          {}", insight.queued);
    if let Some(seconds) = insight.oldest_age_seconds {
        let _ = writeln!(out, "Oldest:          {}", age(seconds));
    }
    if let Some(since) = insight.growing_since {
        let _ = writeln!(out, "Growing since:   {}", text_time(since));
    }
    let _ = writeln!(
        out,
        "Last hour:       {} attempts, {} delivered",
        insight.attempts_last_hour, insight.successes_last_hour
    );
    for count in &insight.by_code {
        let _ = writeln!(
            out,
            "  {:>6}  {} {}",
            count.count, count.code, count.category
        );
    }
    if let Some(error) = &insight.last_error {
        let _ = writeln!(
            out,
            "Last error:      {} ({}) at {}",
            error.code,
            error.category,
            text_time(error.at)
        );
        let _ = writeln!(out, "  {}", error.detail);
        let _ = writeln!(out, "  server {}", error.server.as_deref().unwrap_or("-"));
    }
    if let Some(address) = &insight.last_address {
        let _ = writeln!(out, "Last address:    {address}");
    }
    list(&mut out, "Likely causes", &insight.explanation.causes);
    list(&mut out, "What to do", &insight.explanation.actions);
    list(&mut out, "Fixes (mailflow fix apply ID)", &insight.fixes);
    out.trim_end().to_string()
}

fn list(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:");
    for item in items {
        let _ = writeln!(out, "  - {item}");
    }
}

fn name(insight: &ConnectorInsight) -> String {
    insight.connector.clone().unwrap_or_else(|| "(mx)".into())
}

fn kind(kind: InsightKind) -> &'static str {
    match kind {
        InsightKind::OnPremises => "on_premises",
        InsightKind::Partner => "partner",
        InsightKind::Mx => "mx",
        InsightKind::Removed => "removed",
    }
}

/// `3h 05m`, `12m 40s`, `9s`.
pub fn age(seconds: u64) -> String {
    let (hours, minutes, seconds) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}s"),
        (0, _) => format!("{minutes}m {seconds:02}s"),
        _ => format!("{hours}h {minutes:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_the_largest_units() {
        assert_eq!(age(9), "9s");
        assert_eq!(age(760), "12m 40s");
        assert_eq!(age(3 * 3600 + 300), "3h 05m");
    }
}
