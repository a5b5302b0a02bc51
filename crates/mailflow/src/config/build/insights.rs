//! Checking `[insights]`: how long delivery events (the message trace, and
//! the attempts of the last hour an insight counts) and the insight history
//! (queued count and failures by code per minute) are kept. Both are
//! durations; a retention shorter than what an insight reads back is allowed
//! but warned about, naming the file, line and key.

use super::super::raw::RawInsights;
use super::Context;
use crate::config::locate::KeyPath;
use mailflow_insight::HistorySettings;
use std::time::Duration;

/// An insight counts the attempts of the last hour from the events.
const EVENTS_READ_BACK: Duration = Duration::from_secs(3600);
/// An insight shows the history of the last day.
const HISTORY_READ_BACK: Duration = Duration::from_secs(24 * 3600);

impl Context<'_> {
    pub(super) fn insights(&mut self, raw: RawInsights) -> HistorySettings {
        let at = KeyPath::key("insights");
        let defaults = HistorySettings::default();
        let event_retention = raw
            .event_retention
            .map_or(defaults.event_retention, |d| d.0);
        let history_retention = raw
            .history_retention
            .map_or(defaults.history_retention, |d| d.0);
        if event_retention < EVENTS_READ_BACK {
            self.warn(
                at.then("event_retention"),
                "is shorter than an hour: insights will miss attempts of the last hour and traces will be short",
            );
        }
        if history_retention < HISTORY_READ_BACK {
            self.warn(
                at.then("history_retention"),
                "is shorter than a day: an insight's history of the last day will be cut short",
            );
        }
        HistorySettings {
            event_retention,
            history_retention,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;
    use std::time::Duration;

    const DAY: u64 = 24 * 3600;

    fn parse(text: &str) -> Result<Config, crate::config::ConfigError> {
        Config::parse(text, Path::new("mailflow.toml"), Path::new("."))
    }

    fn refusal(text: &str) -> String {
        parse(text)
            .expect_err("the config should be refused")
            .to_string()
    }

    #[test]
    fn without_an_insights_section_events_are_kept_30_days_and_history_7() {
        let insights = parse("").unwrap().insights;
        assert_eq!(insights.event_retention, Duration::from_secs(30 * DAY));
        assert_eq!(insights.history_retention, Duration::from_secs(7 * DAY));
        let defaults = Config::embedded_defaults().insights;
        assert_eq!(defaults.event_retention, Duration::from_secs(30 * DAY));
    }

    #[test]
    fn both_retentions_are_read_as_durations() {
        let text = "[insights]\nevent_retention = \"90d\"\nhistory_retention = \"2days 12h\"\n";
        let config = parse(text).unwrap();
        assert_eq!(
            config.insights.event_retention,
            Duration::from_secs(90 * DAY)
        );
        assert_eq!(
            config.insights.history_retention,
            Duration::from_secs(2 * DAY + 12 * 3600)
        );
        assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    }

    #[test]
    fn one_retention_given_leaves_the_other_at_its_default() {
        let insights = parse("[insights]\nhistory_retention = \"14d\"\n")
            .unwrap()
            .insights;
        assert_eq!(insights.history_retention, Duration::from_secs(14 * DAY));
        assert_eq!(insights.event_retention, Duration::from_secs(30 * DAY));
    }

    #[test]
    fn a_bad_retention_names_file_line_and_key() {
        let shown =
            refusal("[insights]\nhistory_retention = \"7d\"\nevent_retention = \"forever\"\n");
        assert!(
            shown.starts_with("mailflow.toml:3: insights.event_retention: "),
            "{shown}"
        );
        assert!(shown.contains("\"forever\" is not a duration"), "{shown}");
        let shown = refusal("[insights]\nhistory_retention = \"0s\"\n");
        assert!(
            shown.starts_with("mailflow.toml:2: insights.history_retention: "),
            "{shown}"
        );
        assert!(shown.contains("is zero"), "{shown}");
        let shown = refusal("[insights]\nhistory_retention = 7\n");
        assert!(
            shown.starts_with("mailflow.toml:2: insights.history_retention: "),
            "{shown}"
        );
    }

    #[test]
    fn an_unknown_insights_key_is_refused_with_its_line() {
        let shown = refusal("[insights]\n\nretention = \"30d\"\n");
        assert!(
            shown.starts_with("mailflow.toml:3: insights.retention: "),
            "{shown}"
        );
        assert!(shown.contains("unknown field `retention`"), "{shown}");
    }

    #[test]
    fn retentions_shorter_than_an_insight_reads_back_are_warned_about() {
        let text = "[insights]\nevent_retention = \"30m\"\nhistory_retention = \"12h\"\n";
        let config = parse(text).unwrap();
        let shown: Vec<String> = config.warnings.iter().map(|w| w.to_string()).collect();
        assert!(
            shown
                .iter()
                .any(|w| w.starts_with("mailflow.toml:2: insights.event_retention: ")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|w| w.starts_with("mailflow.toml:3: insights.history_retention: ")),
            "{shown:?}"
        );
    }
}
