//! What the relay reports to the process's metrics recorder (the `metrics`
//! facade; the admin API renders it at `/metrics`): each recipient an
//! attempt carried, by connector, outcome and code, and how long the
//! delivered ones took from their acceptance.
//!
//! Counted from the same events the store keeps and the delivery log
//! writes, once they are recorded, so the counter, the log and the trace
//! agree. Expiry and operator actions are not attempts and are not
//! counted here (as in the store's delivery statistics).

use mailflow_core::{Event, EventKind, MessageId};
use mailflow_store::ClaimedMessage;
use std::collections::HashMap;
use time::OffsetDateTime;

/// Recipients carried by delivery attempts, by connector, outcome
/// (`delivered`, `deferred`, `failed`) and enhanced code.
pub const DELIVERY_ATTEMPTS_TOTAL: &str = "mailflow_delivery_attempts_total";
/// Seconds from a message's acceptance to a recipient's delivery.
pub const DELIVERY_DURATION_SECONDS: &str = "mailflow_delivery_duration_seconds";
/// The `connector` label of mail routed by MX, without a connector: the
/// name the admin API's insights give it.
pub const MX_CONNECTOR: &str = "_mx";
/// The `code` label where there is no failure to name: a delivery, or a
/// recipient not tried yet.
pub const NO_CODE: &str = "none";

/// Gives the recorder the help text of the relay's metrics.
pub fn describe() {
    metrics::describe_counter!(
        DELIVERY_ATTEMPTS_TOTAL,
        "Recipients carried by delivery attempts, by connector, outcome and enhanced code."
    );
    metrics::describe_histogram!(
        DELIVERY_DURATION_SECONDS,
        metrics::Unit::Seconds,
        "Time from a message's acceptance to a recipient's delivery, by connector."
    );
}

/// Counts the outcomes among the recorded `events` of an attempt on
/// `claimed` messages, decided at `now`.
pub(crate) fn count_attempts(events: &[Event], claimed: &[ClaimedMessage], now: OffsetDateTime) {
    let received: HashMap<MessageId, OffsetDateTime> = claimed
        .iter()
        .map(|message| (message.id, message.received_at))
        .collect();
    for event in events {
        let connector = event.connector.as_deref().unwrap_or(MX_CONNECTOR);
        let (outcome, code) = match &event.kind {
            EventKind::Delivered { .. } => {
                if let Some(received_at) = received.get(&event.message_id) {
                    let took = (now - *received_at).as_seconds_f64().max(0.0);
                    metrics::histogram!(DELIVERY_DURATION_SECONDS, "connector" => connector.to_string())
                        .record(took);
                }
                ("delivered", NO_CODE.to_string())
            }
            EventKind::Deferred { diagnosis, .. } => ("deferred", diagnosis.code().to_string()),
            EventKind::Failed { diagnosis } => ("failed", diagnosis.code().to_string()),
            _ => continue,
        };
        metrics::counter!(
            DELIVERY_ATTEMPTS_TOTAL,
            "connector" => connector.to_string(),
            "outcome" => outcome,
            "code" => code,
        )
        .increment(1);
    }
}
