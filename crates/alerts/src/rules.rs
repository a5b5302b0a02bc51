//! The two alert rules, as pure functions of what a connector's queue looks
//! like now: (a) at least N recipients queued for longer than T; (b) the
//! oldest queued message older than a limit. "Longer than" is strict, so a
//! rule is crossed the moment the age passes its limit, not before.

use mailflow_store::{AlertRule, AlertRules};
use std::time::Duration;
use time::OffsetDateTime;

/// One connector's queue at one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    /// Recipients still waiting (queued, deferred, in flight, suspended).
    pub queued: u64,
    /// Of those, received longer than the rule's `queued_age` ago.
    pub queued_over_age: u64,
    pub oldest_received_at: Option<OffsetDateTime>,
}

/// The rule the backlog crosses, if any; rule (a) first.
pub fn judge(backlog: &Backlog, rules: &AlertRules, now: OffsetDateTime) -> Option<AlertRule> {
    if rules.queued_threshold > 0 && backlog.queued_over_age >= rules.queued_threshold {
        return Some(AlertRule::QueuedCount);
    }
    let oldest_too_old = backlog
        .oldest_received_at
        .is_some_and(|oldest| waited(oldest, now) > rules.oldest_age);
    oldest_too_old.then_some(AlertRule::OldestAge)
}

/// The backlog is gone: nothing of the connector has waited longer than
/// the shorter of the two ages (an empty queue is drained too). Open alerts
/// resolve then; new mail that has not waited long yet does not keep them.
pub fn drained(backlog: &Backlog, rules: &AlertRules, now: OffsetDateTime) -> bool {
    let shorter = rules.queued_age.min(rules.oldest_age);
    match backlog.oldest_received_at {
        _ if backlog.queued == 0 => true,
        Some(oldest) => waited(oldest, now) <= shorter,
        None => true,
    }
}

fn waited(since: OffsetDateTime, now: OffsetDateTime) -> Duration {
    let waited = now - since;
    if waited.is_negative() {
        Duration::ZERO
    } else {
        waited.unsigned_abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn rules() -> AlertRules {
        AlertRules {
            queued_threshold: 3,
            queued_age: HOUR,
            oldest_age: 4 * HOUR,
        }
    }

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2030-01-01 12:00 UTC)
    }

    fn backlog(queued: u64, over_age: u64, oldest_ago: Option<Duration>) -> Backlog {
        Backlog {
            queued,
            queued_over_age: over_age,
            oldest_received_at: oldest_ago.map(|ago| now() - ago),
        }
    }

    #[test]
    fn rule_a_needs_the_full_count_over_the_age() {
        let one_short = backlog(10, 2, Some(2 * HOUR));
        assert_eq!(judge(&one_short, &rules(), now()), None);
        let enough = backlog(10, 3, Some(2 * HOUR));
        assert_eq!(
            judge(&enough, &rules(), now()),
            Some(AlertRule::QueuedCount)
        );
    }

    #[test]
    fn rule_b_is_crossed_only_past_the_oldest_age() {
        let at_limit = backlog(1, 1, Some(4 * HOUR));
        assert_eq!(judge(&at_limit, &rules(), now()), None);
        let past = backlog(1, 1, Some(4 * HOUR + Duration::from_secs(1)));
        assert_eq!(judge(&past, &rules(), now()), Some(AlertRule::OldestAge));
    }

    #[test]
    fn a_queue_of_young_mail_is_drained_an_old_one_is_not() {
        assert!(drained(&backlog(0, 0, None), &rules(), now()));
        assert!(drained(&backlog(50, 0, Some(HOUR / 2)), &rules(), now()));
        assert!(!drained(&backlog(1, 1, Some(2 * HOUR)), &rules(), now()));
    }
}
