//! Turns what delivery reported into recipient states, events and bounces.
//! Pure: no I/O, so every rule here is tested without a socket.

use crate::data_drops::{EarlierDrops, MAX_DATA_STAGE_FAILURES, dropped_in_data};
use crate::retry::RetrySchedule;
use mailflow_core::{Diagnosis, Event, EventKind, MessageId, RecipientState};
use mailflow_deliver::{DeliveryReport, RecipientOutcome};
use mailflow_store::{ClaimedMessage, LastError, RecipientUpdate};
use time::OffsetDateTime;

/// What the scheduler knows around one delivery.
pub struct Context<'a> {
    pub now: OffsetDateTime,
    pub schedule: &'a RetrySchedule,
    pub next_hop: &'a str,
    pub connector: Option<&'a str>,
    /// Connection-level failures of this next hop in a row before this one.
    pub hop_failures: u32,
    /// Connections dropped during each message's data before this round
    /// (only messages that had one now need to be there).
    pub earlier_data_drops: &'a EarlierDrops,
}

/// A recipient that failed for good and whose sender gets an NDR.
#[derive(Debug, Clone)]
pub struct FailedRecipient {
    pub index: u32,
    pub error: LastError,
}

#[derive(Debug, Default)]
pub struct Decisions {
    pub updates: Vec<RecipientUpdate>,
    pub events: Vec<Event>,
    /// Per message, the recipients that failed for good in this round.
    pub failures: Vec<(MessageId, Vec<FailedRecipient>)>,
    /// Set when nothing got past the connection: the whole next hop waits
    /// until this time and is then probed.
    pub hop_hold: Option<(OffsetDateTime, LastError)>,
}

impl Decisions {
    /// Drops what concerns messages already recorded (see `early_record`).
    pub fn leave_out(&mut self, recorded: &std::collections::HashSet<MessageId>) {
        if recorded.is_empty() {
            return;
        }
        self.updates
            .retain(|update| !recorded.contains(&update.message_id));
        self.events
            .retain(|event| !recorded.contains(&event.message_id));
        self.failures.retain(|(id, _)| !recorded.contains(id));
    }
}

pub fn decide(claimed: &[ClaimedMessage], report: &DeliveryReport, ctx: &Context) -> Decisions {
    let blame_messages = !hop_drops_every_message(report);
    let hop_error = connection_level_failure(report, ctx.now, blame_messages);
    let hop_wait_until = hop_error
        .as_ref()
        .map(|_| ctx.now + ctx.schedule.wait(ctx.hop_failures + 1));
    let mut decisions = Decisions::default();

    for (message, outcomes) in claimed.iter().zip(&report.messages) {
        decisions.events.push(event(
            ctx,
            message.id,
            None,
            EventKind::Attempt {
                results: report.addresses.clone(),
            },
        ));
        let mut failed = Vec::new();
        for (recipient, outcome) in message.recipients.iter().zip(outcomes) {
            let (update, kind) = match outcome {
                RecipientOutcome::Delivered { reply, server } => (
                    update(
                        message.id,
                        recipient.index,
                        RecipientState::Delivered,
                        ctx.now,
                        None,
                        None,
                        Some(reply.clone()),
                    ),
                    EventKind::Delivered {
                        reply: reply.clone(),
                        server: Some(server.clone()),
                    },
                ),
                RecipientOutcome::Failed { diagnosis, server } => {
                    let error = LastError {
                        diagnosis: diagnosis.clone(),
                        server: server.clone(),
                        at: ctx.now,
                    };
                    let data_drops =
                        (blame_messages && diagnosis.is_data_stage_drop()).then(|| {
                            ctx.earlier_data_drops
                                .get(&message.id)
                                .copied()
                                .unwrap_or(0)
                                + 1
                        });
                    let final_error = if diagnosis.is_permanent()
                        || data_drops.is_some_and(|drops| drops >= MAX_DATA_STAGE_FAILURES)
                    {
                        Some(error.clone())
                    } else if ctx.now >= message.expires_at {
                        Some(LastError {
                            diagnosis: Diagnosis::Expired {
                                last: Some(Box::new(diagnosis.clone())),
                            },
                            ..error.clone()
                        })
                    } else {
                        None
                    };
                    match final_error {
                        Some(final_error) => {
                            failed.push(FailedRecipient {
                                index: recipient.index,
                                error: final_error.clone(),
                            });
                            (
                                update(
                                    message.id,
                                    recipient.index,
                                    RecipientState::Failed,
                                    ctx.now,
                                    None,
                                    Some(final_error.clone()),
                                    None,
                                ),
                                EventKind::Failed {
                                    diagnosis: final_error.diagnosis,
                                },
                            )
                        }
                        None => {
                            // A message that broke the connection during
                            // its data waits on its own schedule, whatever
                            // the hop does.
                            let own = ctx.now + ctx.schedule.wait(recipient.attempts + 1);
                            let next = match hop_wait_until {
                                Some(until) if data_drops.is_none() => until,
                                _ => own,
                            };
                            (
                                update(
                                    message.id,
                                    recipient.index,
                                    RecipientState::Deferred,
                                    ctx.now,
                                    Some(next),
                                    Some(error),
                                    None,
                                ),
                                EventKind::Deferred {
                                    diagnosis: diagnosis.clone(),
                                    next_attempt_at: next,
                                },
                            )
                        }
                    }
                }
            };
            decisions.updates.push(update);
            decisions.events.push(event(
                ctx,
                message.id,
                Some(recipient.address.clone()),
                kind,
            ));
        }
        if !failed.is_empty() {
            decisions.failures.push((message.id, failed));
        }
    }
    decisions.hop_hold = hop_error
        .zip(hop_wait_until)
        .map(|(error, until)| (until, error));
    decisions
}

/// The whole next hop failed when every recipient failed with a
/// connection-level diagnosis (SPEC 2.6). A message that broke the
/// connection during its data says nothing about the hop either way: the
/// hop is held only when the others failed at connection level too, unless
/// the hop drops every message (`blame_messages` false), which is the
/// hop's failure.
fn connection_level_failure(
    report: &DeliveryReport,
    now: OffsetDateTime,
    blame_messages: bool,
) -> Option<LastError> {
    let mut first = None;
    for outcome in report.messages.iter().flatten() {
        match outcome {
            RecipientOutcome::Failed { diagnosis, .. }
                if blame_messages && diagnosis.is_data_stage_drop() => {}
            RecipientOutcome::Failed { diagnosis, server }
                if diagnosis.is_connection_level() || diagnosis.is_data_stage_drop() =>
            {
                first.get_or_insert_with(|| LastError {
                    diagnosis: diagnosis.clone(),
                    server: server.clone(),
                    at: now,
                });
            }
            _ => return None,
        }
    }
    first
}

/// Several messages broke the connection during their data and the hop
/// answered none of the round's transactions: a hop that drops every
/// message (a content filter that crashes, a proxy that cuts transfers)
/// fails as a whole and is held, rather than have each message counted
/// towards its bounce. One message alone cannot be told apart, and counts.
fn hop_drops_every_message(report: &DeliveryReport) -> bool {
    let dropped = report
        .messages
        .iter()
        .filter(|outcomes| outcomes.iter().any(dropped_in_data))
        .count();
    let answered = report
        .messages
        .iter()
        .flatten()
        .any(|outcome| match outcome {
            RecipientOutcome::Delivered { .. } => true,
            RecipientOutcome::Failed { diagnosis, .. } => matches!(
                diagnosis,
                Diagnosis::RemoteTransient { .. } | Diagnosis::RemotePermanent { .. }
            ),
        });
    dropped >= 2 && !answered
}

fn update(
    message_id: MessageId,
    index: u32,
    state: RecipientState,
    at: OffsetDateTime,
    next_attempt_at: Option<OffsetDateTime>,
    last_error: Option<LastError>,
    delivered_reply: Option<String>,
) -> RecipientUpdate {
    RecipientUpdate {
        message_id,
        index,
        state,
        attempts_added: 1,
        next_attempt_at,
        last_error,
        delivered_reply,
        at,
    }
}

fn event(
    ctx: &Context,
    message_id: MessageId,
    recipient: Option<String>,
    kind: EventKind,
) -> Event {
    Event {
        at: ctx.now,
        message_id,
        recipient,
        next_hop: Some(ctx.next_hop.to_string()),
        connector: ctx.connector.map(str::to_string),
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::{DropKind, DropStage, EnhancedCode, RemoteReply, Route, Stage};
    use mailflow_store::ClaimedRecipient;
    use std::time::Duration;

    const HOUR: Duration = Duration::from_secs(3600);

    fn schedule() -> RetrySchedule {
        RetrySchedule::new([60, 300, 900, 1800, 3600].map(Duration::from_secs).to_vec())
    }

    fn claimed(now: OffsetDateTime, recipients: &[(&str, u32)]) -> ClaimedMessage {
        ClaimedMessage {
            id: MessageId::new(),
            org: "default".into(),
            sender: "bob@example.test".into(),
            received_at: now - HOUR,
            expires_at: now + 23 * HOUR,
            dsn: Default::default(),
            size: 100,
            recipients: recipients
                .iter()
                .enumerate()
                .map(|(index, (address, attempts))| ClaimedRecipient {
                    index: index as u32,
                    address: address.to_string(),
                    dsn: Default::default(),
                    route: Route {
                        connector: Some("to-onprem".into()),
                        domain: "contoso.test".into(),
                    },
                    attempts: *attempts,
                    last_dropped_in_data: false,
                })
                .collect(),
        }
    }

    fn refused() -> RecipientOutcome {
        RecipientOutcome::Failed {
            diagnosis: Diagnosis::ConnectionRefused {
                addr: "127.0.0.1:2526".parse().unwrap(),
            },
            server: Some("127.0.0.1:2526".into()),
        }
    }

    fn reply(code: u16, enhanced: EnhancedCode) -> RecipientOutcome {
        RecipientOutcome::Failed {
            diagnosis: Diagnosis::from_reply(
                Stage::Rcpt,
                RemoteReply {
                    code,
                    enhanced: Some(enhanced),
                    text: "x".into(),
                },
            ),
            server: Some("127.0.0.1:2526".into()),
        }
    }

    fn decide_one(
        message: &ClaimedMessage,
        outcomes: Vec<RecipientOutcome>,
        now: OffsetDateTime,
        hop_failures: u32,
    ) -> Decisions {
        decide_all(
            std::slice::from_ref(message),
            vec![outcomes],
            now,
            hop_failures,
            &EarlierDrops::new(),
        )
    }

    fn decide_all(
        messages: &[ClaimedMessage],
        outcomes: Vec<Vec<RecipientOutcome>>,
        now: OffsetDateTime,
        hop_failures: u32,
        earlier_data_drops: &EarlierDrops,
    ) -> Decisions {
        let report = DeliveryReport {
            addresses: vec![],
            messages: outcomes,
        };
        let schedule = schedule();
        let ctx = Context {
            now,
            schedule: &schedule,
            next_hop: "to-onprem",
            connector: Some("to-onprem"),
            hop_failures,
            earlier_data_drops,
        };
        decide(messages, &report, &ctx)
    }

    fn dropped_during_data() -> RecipientOutcome {
        RecipientOutcome::Failed {
            diagnosis: Diagnosis::ConnectionDropped {
                stage: DropStage::DuringData,
                how: DropKind::Closed,
            },
            server: Some("127.0.0.1:2526".into()),
        }
    }

    #[test]
    fn a_drop_during_the_data_defers_the_message_on_its_own_schedule_and_holds_no_hop() {
        let now = OffsetDateTime::now_utc();
        let message = claimed(now, &[("a@contoso.test", 1)]);
        let decisions = decide_one(&message, vec![dropped_during_data()], now, 2);
        assert!(decisions.hop_hold.is_none(), "the hop is not held");
        assert_eq!(decisions.updates[0].state, RecipientState::Deferred);
        // Its second attempt waits the second interval, 5 minutes, whatever
        // the hop's own failures.
        let next = decisions.updates[0].next_attempt_at.unwrap();
        assert!(next > now + Duration::from_secs(280) && next < now + Duration::from_secs(320));
        assert!(decisions.failures.is_empty());
    }

    #[test]
    fn the_set_number_of_data_stage_drops_fails_the_message_with_its_diagnosis() {
        let now = OffsetDateTime::now_utc();
        let message = claimed(now, &[("a@contoso.test", 2)]);
        let earlier = EarlierDrops::from([(message.id, MAX_DATA_STAGE_FAILURES - 1)]);
        let decisions = decide_all(
            std::slice::from_ref(&message),
            vec![vec![dropped_during_data()]],
            now,
            0,
            &earlier,
        );
        assert_eq!(decisions.updates[0].state, RecipientState::Failed);
        let (id, failed) = &decisions.failures[0];
        assert_eq!(*id, message.id);
        assert_eq!(failed[0].error.diagnosis, dropped_during_data_diagnosis());
        assert!(decisions.hop_hold.is_none());
    }

    fn dropped_during_data_diagnosis() -> Diagnosis {
        match dropped_during_data() {
            RecipientOutcome::Failed { diagnosis, .. } => diagnosis,
            RecipientOutcome::Delivered { .. } => unreachable!(),
        }
    }

    #[test]
    fn a_hop_that_drops_every_message_during_its_data_is_held_and_counts_against_none() {
        let now = OffsetDateTime::now_utc();
        let first = claimed(now, &[("a@contoso.test", 2)]);
        let second = claimed(now, &[("b@contoso.test", 2)]);
        let earlier = EarlierDrops::from([
            (first.id, MAX_DATA_STAGE_FAILURES - 1),
            (second.id, MAX_DATA_STAGE_FAILURES - 1),
        ]);
        let decisions = decide_all(
            &[first, second],
            vec![vec![dropped_during_data()], vec![dropped_during_data()]],
            now,
            0,
            &earlier,
        );
        let (until, error) = decisions.hop_hold.expect("the hop is held");
        assert_eq!(error.diagnosis, dropped_during_data_diagnosis());
        assert!(decisions.failures.is_empty(), "no message is bounced");
        for update in &decisions.updates {
            assert_eq!(update.state, RecipientState::Deferred);
            assert_eq!(update.next_attempt_at, Some(until));
        }
    }

    #[test]
    fn the_others_refused_after_a_data_drop_still_hold_the_hop_but_not_the_message() {
        let now = OffsetDateTime::now_utc();
        let bad = claimed(now, &[("a@contoso.test", 0)]);
        let other = claimed(now, &[("b@contoso.test", 0)]);
        let decisions = decide_all(
            &[bad, other],
            vec![vec![dropped_during_data()], vec![refused()]],
            now,
            2,
            &EarlierDrops::new(),
        );
        let (until, error) = decisions.hop_hold.expect("the hop is held");
        assert_eq!(error.diagnosis.code().to_string(), "4.4.316");
        assert_eq!(decisions.updates[1].next_attempt_at, Some(until));
        let own = decisions.updates[0].next_attempt_at.unwrap();
        assert!(
            own < now + Duration::from_secs(64),
            "the message keeps its own schedule"
        );
    }

    #[test]
    fn each_recipient_gets_its_own_fate() {
        let now = OffsetDateTime::now_utc();
        let message = claimed(
            now,
            &[
                ("a@contoso.test", 0),
                ("b@contoso.test", 0),
                ("c@contoso.test", 0),
            ],
        );
        let delivered = RecipientOutcome::Delivered {
            reply: "250 2.0.0 ok".into(),
            server: "127.0.0.1:2526".into(),
        };
        let decisions = decide_one(
            &message,
            vec![
                delivered,
                reply(451, EnhancedCode(4, 2, 1)),
                reply(550, EnhancedCode(5, 1, 1)),
            ],
            now,
            0,
        );
        let states: Vec<_> = decisions.updates.iter().map(|u| u.state).collect();
        assert_eq!(
            states,
            [
                RecipientState::Delivered,
                RecipientState::Deferred,
                RecipientState::Failed
            ]
        );
        assert!(
            decisions.hop_hold.is_none(),
            "a per-recipient reply is not a hop failure"
        );
        let (_, failed) = &decisions.failures[0];
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].error.diagnosis.code(), EnhancedCode(5, 1, 1));
        let deferred_until = decisions.updates[1].next_attempt_at.unwrap();
        assert!(
            deferred_until > now + Duration::from_secs(56)
                && deferred_until < now + Duration::from_secs(64)
        );
    }

    #[test]
    fn a_connection_level_failure_holds_the_hop_on_the_schedule() {
        let now = OffsetDateTime::now_utc();
        let message = claimed(now, &[("a@contoso.test", 0)]);
        let decisions = decide_one(&message, vec![refused()], now, 2);
        let (until, error) = decisions.hop_hold.expect("the hop is held");
        assert_eq!(error.diagnosis.code().to_string(), "4.4.316");
        // The third failure in a row waits the third interval, 15 minutes.
        assert!(until > now + Duration::from_secs(850) && until < now + Duration::from_secs(950));
        assert_eq!(decisions.updates[0].next_attempt_at, Some(until));
        assert_eq!(decisions.updates[0].state, RecipientState::Deferred);
    }

    #[test]
    fn a_temporary_failure_after_expiry_fails_with_4_4_7_and_the_last_error() {
        let now = OffsetDateTime::now_utc();
        let mut message = claimed(now, &[("a@contoso.test", 7)]);
        message.expires_at = now - Duration::from_secs(1);
        let decisions = decide_one(&message, vec![refused()], now, 0);
        assert_eq!(decisions.updates[0].state, RecipientState::Failed);
        let (_, failed) = &decisions.failures[0];
        let diagnosis = &failed[0].error.diagnosis;
        assert_eq!(diagnosis.code().to_string(), "4.4.7");
        assert!(
            diagnosis.detail().contains("4.4.316"),
            "{}",
            diagnosis.detail()
        );
    }
}
