//! Connections dropped during a message's data (SPEC 3, `4.4.318` during
//! DATA or after the final dot). The next hop got as far as the message
//! itself, so such a failure counts against the message, not the hop: the
//! hop is not held, the message waits on its own retry schedule and goes
//! after the other messages of its next connection, and after
//! `MAX_DATA_STAGE_FAILURES` of them it is failed with its diagnosis.
//!
//! Several messages dropped in one round with nothing answered is the
//! hop's failure instead (see `outcome`): a hop that drops every message is
//! held as a whole, and no message is counted towards its bounce.
//!
//! How many a message has had is read from its events (its `deferred`
//! events with such a diagnosis), only for a message that has just had one:
//! the queue keeps no counter of its own.

use crate::engine::Engine;
use mailflow_core::{Event, EventKind, MessageId};
use mailflow_deliver::{DeliveryReport, RecipientOutcome};
use mailflow_store::{ClaimedMessage, Result};
use std::collections::HashMap;

/// A message whose data made the next hop drop the connection this many
/// times (this attempt included) is failed with that diagnosis and an NDR.
pub const MAX_DATA_STAGE_FAILURES: u32 = 3;

/// Per message, the data-stage drops it had on this next hop before this
/// round.
pub(crate) type EarlierDrops = HashMap<MessageId, u32>;

/// The earlier drops of each message the report says broke off during
/// its data.
pub(crate) async fn earlier(
    engine: &Engine,
    claimed: &[ClaimedMessage],
    report: &DeliveryReport,
    next_hop: &str,
) -> Result<EarlierDrops> {
    let mut earlier = EarlierDrops::new();
    for (message, outcomes) in claimed.iter().zip(&report.messages) {
        if outcomes.iter().any(dropped_in_data) {
            let events = engine.store.events(message.id).await?;
            earlier.insert(message.id, count(&events, next_hop));
        }
    }
    Ok(earlier)
}

/// The most data-stage deferrals any one recipient of the message had on
/// `next_hop`.
pub(crate) fn count(events: &[Event], next_hop: &str) -> u32 {
    let mut per_recipient: HashMap<&str, u32> = HashMap::new();
    for event in events {
        let EventKind::Deferred { diagnosis, .. } = &event.kind else {
            continue;
        };
        if diagnosis.is_data_stage_drop() && event.next_hop.as_deref() == Some(next_hop) {
            let recipient = event.recipient.as_deref().unwrap_or_default();
            *per_recipient.entry(recipient).or_default() += 1;
        }
    }
    per_recipient.into_values().max().unwrap_or(0)
}

/// Messages that broke a connection during their data before go after the
/// others (the order is otherwise kept), so that they cannot take the
/// connection down before the rest is carried.
pub(crate) fn last_if_dropped_before(claimed: &mut [ClaimedMessage]) {
    claimed.sort_by_key(|message| {
        message
            .recipients
            .iter()
            .any(|recipient| recipient.last_dropped_in_data)
    });
}

pub(crate) fn dropped_in_data(outcome: &RecipientOutcome) -> bool {
    matches!(outcome, RecipientOutcome::Failed { diagnosis, .. } if diagnosis.is_data_stage_drop())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailflow_core::{Diagnosis, DropKind, DropStage};
    use time::OffsetDateTime;

    fn deferred(recipient: &str, next_hop: &str, stage: DropStage) -> Event {
        Event {
            at: OffsetDateTime::UNIX_EPOCH,
            message_id: MessageId::new(),
            recipient: Some(recipient.into()),
            next_hop: Some(next_hop.into()),
            connector: None,
            kind: EventKind::Deferred {
                diagnosis: Diagnosis::ConnectionDropped {
                    stage,
                    how: DropKind::Closed,
                },
                next_attempt_at: OffsetDateTime::UNIX_EPOCH,
            },
        }
    }

    #[test]
    fn only_data_stage_deferrals_on_the_same_hop_count_per_recipient() {
        let events = [
            deferred("a@x.test", "c:to-x", DropStage::DuringData),
            deferred("a@x.test", "c:to-x", DropStage::AfterFinalDot),
            deferred("b@x.test", "c:to-x", DropStage::DuringData),
            deferred("a@x.test", "c:to-x", DropStage::AfterEhlo),
            deferred("a@x.test", "c:other", DropStage::DuringData),
        ];
        assert_eq!(count(&events, "c:to-x"), 2);
        assert_eq!(count(&events, "c:none"), 0);
    }
}
