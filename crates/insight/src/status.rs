//! The status rule of an insight.
//!
//! - `failing`: mail is waiting, and either the connector's latest failure
//!   was at connection level (it cannot reach or talk to its next hop) with
//!   no delivery since, or attempts were made in the last hour and none of
//!   them delivered anything.
//! - `degraded`: not failing, but some attempts of the last hour failed, or
//!   waiting mail carries an error (deferrals alongside deliveries).
//! - `healthy`: otherwise — nothing waits with an error and nothing failed
//!   in the last hour.

use crate::Status;
use mailflow_store::{DeliveryStats, LastError};

/// What the status is judged from.
pub struct Evidence<'a> {
    /// Waiting recipients.
    pub queued: u64,
    /// The latest error among them.
    pub last_error: Option<&'a LastError>,
    /// Outcomes of the last hour.
    pub last_hour: &'a DeliveryStats,
}

pub fn judge(evidence: &Evidence) -> Status {
    if is_failing(evidence) {
        Status::Failing
    } else if evidence.last_hour.failures() > 0
        || (evidence.queued > 0 && evidence.last_error.is_some())
    {
        Status::Degraded
    } else {
        Status::Healthy
    }
}

fn is_failing(evidence: &Evidence) -> bool {
    if evidence.queued == 0 {
        return false;
    }
    let hour = evidence.last_hour;
    let cut_off = evidence.last_error.is_some_and(|error| {
        error.diagnosis.is_connection_level()
            && hour
                .last_success_at
                .is_none_or(|success| success < error.at)
    });
    let nothing_delivered = hour.attempts > 0 && hour.successes == 0;
    cut_off || nothing_delivered
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::{Diagnosis, RemoteReply, Stage};
    use time::OffsetDateTime;
    use time::macros::datetime;

    const T: OffsetDateTime = datetime!(2030-01-01 10:00 UTC);

    fn refused(at: OffsetDateTime) -> LastError {
        LastError {
            diagnosis: Diagnosis::ConnectionRefused {
                addr: "192.0.2.1:25".parse().unwrap(),
            },
            server: None,
            at,
        }
    }

    fn greylisted(at: OffsetDateTime) -> LastError {
        let reply = RemoteReply {
            code: 451,
            enhanced: None,
            text: "try later".into(),
        };
        LastError {
            diagnosis: Diagnosis::from_reply(Stage::Rcpt, reply),
            server: None,
            at,
        }
    }

    fn hour(
        attempts: u64,
        successes: u64,
        last_success_at: Option<OffsetDateTime>,
    ) -> DeliveryStats {
        DeliveryStats {
            attempts,
            successes,
            failures_by_code: vec![("4.4.316".into(), attempts - successes)],
            last_success_at,
            last_failure_at: None,
        }
    }

    fn judge_of(queued: u64, error: Option<LastError>, stats: DeliveryStats) -> Status {
        judge(&Evidence {
            queued,
            last_error: error.as_ref(),
            last_hour: &stats,
        })
    }

    #[test]
    fn a_connection_failure_with_mail_waiting_and_no_success_since_is_failing() {
        assert_eq!(
            judge_of(5, Some(refused(T)), hour(5, 0, None)),
            Status::Failing
        );
        let earlier_success = Some(T - time::Duration::minutes(5));
        assert_eq!(
            judge_of(5, Some(refused(T)), hour(6, 1, earlier_success)),
            Status::Failing
        );
    }

    #[test]
    fn a_success_after_the_connection_failure_makes_it_degraded() {
        let later = Some(T + time::Duration::minutes(1));
        assert_eq!(
            judge_of(5, Some(refused(T)), hour(6, 1, later)),
            Status::Degraded
        );
    }

    #[test]
    fn remote_deferrals_beside_deliveries_are_degraded_and_without_any_delivery_failing() {
        let success = Some(T + time::Duration::minutes(1));
        assert_eq!(
            judge_of(2, Some(greylisted(T)), hour(4, 2, success)),
            Status::Degraded
        );
        assert_eq!(
            judge_of(2, Some(greylisted(T)), hour(4, 0, None)),
            Status::Failing
        );
    }

    #[test]
    fn an_empty_queue_is_never_failing_and_without_failures_healthy() {
        assert_eq!(judge_of(0, None, hour(3, 0, None)), Status::Degraded);
        assert_eq!(judge_of(0, None, hour(3, 3, Some(T))), Status::Healthy);
        assert_eq!(judge_of(0, None, DeliveryStats::default()), Status::Healthy);
    }
}
