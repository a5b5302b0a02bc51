//! Writing events: the JSON record plus the columns the trace and the
//! insights filter on (organisation, connector, type, code, recipient).

use super::codec::{json_to_db, time_to_db};
use super::json_rows;
use mailflow_core::{Event, EventKind};

/// The event's type as its JSON names it (`received`, `attempt`, …).
pub fn kind_name(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Received { .. } => "received",
        EventKind::Routed { .. } => "routed",
        EventKind::Attempt { .. } => "attempt",
        EventKind::Delivered { .. } => "delivered",
        EventKind::Deferred { .. } => "deferred",
        EventKind::Failed { .. } => "failed",
        EventKind::DelayNoticeSent => "delay_notice_sent",
        EventKind::NdrSent { .. } => "ndr_sent",
        EventKind::Operator { .. } => "operator",
    }
}

/// The enhanced code of the event's diagnosis, when it has one.
pub fn code(kind: &EventKind) -> Option<String> {
    match kind {
        EventKind::Deferred { diagnosis, .. } | EventKind::Failed { diagnosis } => {
            Some(diagnosis.code().to_string())
        }
        _ => None,
    }
}

/// Appends the events of its one parameter (`events_json`), in order. An
/// event's organisation is its message's; events of a message that is gone
/// keep none (a LEFT JOIN, which also keeps the rows in their order).
pub const INSERT_EVENTS: &str = "WITH e (value) AS MATERIALIZED \
     (SELECT jsonb(value) FROM json_each(?)) \
     INSERT INTO events \
     (message_id, at, event, connector, kind, code, recipient, org) \
     SELECT unhex(e.value ->> 0), e.value ->> 1, e.value ->> 2, e.value ->> 3, \
     e.value ->> 4, e.value ->> 5, e.value ->> 6, m.org \
     FROM e LEFT JOIN messages m ON m.id = unhex(e.value ->> 0)";

/// The rows `INSERT_EVENTS` reads: the event's JSON record and the columns
/// the trace and the insights filter on.
pub fn events_json<'e>(events: impl IntoIterator<Item = &'e Event>) -> String {
    json_rows::array(events.into_iter().map(|event| {
        (
            json_rows::id(event.message_id),
            time_to_db(event.at),
            json_to_db(event),
            &event.connector,
            kind_name(&event.kind),
            code(&event.kind),
            &event.recipient,
        )
    }))
}
