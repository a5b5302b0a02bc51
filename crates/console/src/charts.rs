//! The data of the console's charts, from the per-minute insight history,
//! in the shape uPlot draws: one row of times (Unix seconds), then one
//! row of values per series, `null` where a series has no point.
//! `assets/console.js` reads it from a `<script type="application/json">`.

use mailflow_insight::HistoryPoint;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default, Serialize, PartialEq)]
pub(crate) struct Chart {
    pub times: Vec<i64>,
    pub series: Vec<Series>,
}

#[derive(Debug, Serialize, PartialEq)]
pub(crate) struct Series {
    pub label: String,
    pub values: Vec<Option<u64>>,
}

/// Waiting recipients over time, one series per connector.
pub(crate) fn queue_depth(histories: &[(String, Vec<HistoryPoint>)]) -> Chart {
    let rows = histories.iter().map(|(name, points)| {
        let values = points
            .iter()
            .map(|point| (point.minute.unix_timestamp(), point.queued))
            .collect();
        (name.clone(), values)
    });
    chart(rows.collect())
}

/// Failed attempts per minute, one series per code, all connectors
/// together.
pub(crate) fn failures_by_code(histories: &[(String, Vec<HistoryPoint>)]) -> Chart {
    let mut by_code: BTreeMap<String, BTreeMap<i64, u64>> = BTreeMap::new();
    for point in histories.iter().flat_map(|(_, points)| points) {
        for failure in &point.failures {
            *by_code
                .entry(failure.code.clone())
                .or_default()
                .entry(point.minute.unix_timestamp())
                .or_default() += failure.count;
        }
    }
    chart(by_code.into_iter().collect())
}

/// The rows of series given as (label, minute → value), on the times of
/// them all.
fn chart(rows: Vec<(String, BTreeMap<i64, u64>)>) -> Chart {
    let times: BTreeSet<i64> = rows
        .iter()
        .flat_map(|(_, values)| values.keys().copied())
        .collect();
    let series = rows
        .into_iter()
        .map(|(label, values)| Series {
            values: times.iter().map(|time| values.get(time).copied()).collect(),
            label,
        })
        .collect();
    Chart {
        times: times.into_iter().collect(),
        series,
    }
}

impl Chart {
    /// JSON safe to put inside a `<script>` element: `<` is escaped, so no
    /// label can close the element.
    pub fn embedded(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|_| "{}".into())
            .replace('<', "\\u003c")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_insight::CodeCount;
    use time::macros::datetime;

    fn point(minute: i64, queued: u64, failures: &[(&str, u64)]) -> HistoryPoint {
        HistoryPoint {
            minute: datetime!(2026-12-07 12:00 UTC) + time::Duration::minutes(minute),
            queued,
            failures: failures
                .iter()
                .map(|(code, count)| CodeCount {
                    code: code.to_string(),
                    category: "x".into(),
                    count: *count,
                })
                .collect(),
        }
    }

    #[test]
    fn series_share_the_times_of_all_and_miss_what_they_lack() {
        let start = datetime!(2026-12-07 12:00 UTC).unix_timestamp();
        let histories = vec![
            (
                "a".to_string(),
                vec![point(0, 1, &[("4.4.316", 2)]), point(1, 3, &[])],
            ),
            (
                "b".to_string(),
                vec![point(1, 5, &[("4.4.316", 1), ("4.7.320", 4)])],
            ),
        ];
        let depth = queue_depth(&histories);
        assert_eq!(depth.times, vec![start, start + 60]);
        assert_eq!(depth.series[0].values, vec![Some(1), Some(3)]);
        assert_eq!(depth.series[1].values, vec![None, Some(5)]);
        let failures = failures_by_code(&histories);
        assert_eq!(failures.series[0].label, "4.4.316");
        assert_eq!(failures.series[0].values, vec![Some(2), Some(1)]);
        assert_eq!(failures.series[1].values, vec![None, Some(4)]);
    }

    #[test]
    fn a_label_cannot_close_the_script_element() {
        let chart = chart(vec![("</script><b>".into(), BTreeMap::new())]);
        assert!(!chart.embedded().contains('<'));
    }
}
