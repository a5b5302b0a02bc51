//! When a connector's queue started growing: the minute it last went from
//! empty to not empty. The history says so when it saw the queue empty;
//! when it never did (or has not been sampled yet), the oldest waiting
//! message's arrival is when the queue has been non-empty since.

use mailflow_store::HistoryBucket;
use time::OffsetDateTime;

pub fn growing_since(
    history: &[HistoryBucket],
    queued: u64,
    oldest_received_at: Option<OffsetDateTime>,
) -> Option<OffsetDateTime> {
    if queued == 0 {
        return None;
    }
    let Some(last_empty) = history.iter().rposition(|bucket| bucket.queued == 0) else {
        return oldest_received_at;
    };
    match history[last_empty + 1..].first() {
        Some(first_not_empty) => Some(first_not_empty.minute),
        // Empty at the last sample: it started after that minute.
        None => {
            let after = history[last_empty].minute + time::Duration::minutes(1);
            Some(oldest_received_at.map_or(after, |oldest| oldest.max(after)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T: OffsetDateTime = datetime!(2030-01-01 10:00 UTC);

    fn buckets(queued: &[u64]) -> Vec<HistoryBucket> {
        queued
            .iter()
            .enumerate()
            .map(|(i, &queued)| HistoryBucket {
                org: "o".into(),
                connector: None,
                minute: T + time::Duration::minutes(i as i64),
                queued,
                failures: vec![],
            })
            .collect()
    }

    #[test]
    fn the_queue_grows_since_the_first_minute_after_it_was_last_empty() {
        let history = buckets(&[3, 0, 0, 2, 5, 9]);
        assert_eq!(
            growing_since(&history, 9, Some(T - time::Duration::hours(1))),
            Some(T + time::Duration::minutes(3))
        );
    }

    #[test]
    fn without_an_empty_minute_the_oldest_message_says_since_when() {
        let oldest = Some(T - time::Duration::hours(2));
        assert_eq!(growing_since(&buckets(&[3, 4]), 4, oldest), oldest);
        assert_eq!(growing_since(&[], 4, oldest), oldest);
        assert_eq!(growing_since(&buckets(&[3, 4]), 0, oldest), None);
    }

    #[test]
    fn empty_at_the_last_sample_means_it_started_after_it() {
        let arrived = T + time::Duration::seconds(150);
        assert_eq!(
            growing_since(&buckets(&[0, 0]), 1, Some(arrived)),
            Some(arrived)
        );
    }
}
