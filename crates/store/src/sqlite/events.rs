//! Writing events: the JSON record plus the columns the trace and the
//! insights filter on (organisation, connector, type, code, recipient).

use super::codec::{id_to_db, json_to_db, time_to_db};
use mailflow_core::{Event, EventKind};
use sqlx::{QueryBuilder, Sqlite};

/// The event's type as its JSON names it (`received`, `attempt`, …).
pub fn kind_name(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Received { .. } => "received",
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

/// Rows per `INSERT`: eight parameters each keeps a statement far below
/// SQLite's limit of 32766 parameters.
const EVENTS_PER_STATEMENT: usize = 1000;

/// Pushes the statements that append `events`, many rows to a statement,
/// each ending with `; `. An event's organisation is its message's; events
/// of a message that is gone keep none.
pub fn push_insert_events<'a>(sql: &mut QueryBuilder<'a, Sqlite>, events: &'a [Event]) {
    for chunk in events.chunks(EVENTS_PER_STATEMENT) {
        sql.push(
            "INSERT INTO events (message_id, at, event, org, connector, kind, code, recipient) ",
        );
        sql.push_values(chunk, |mut row, event| {
            row.push_bind(id_to_db(event.message_id))
                .push_bind(time_to_db(event.at))
                .push_bind(json_to_db(event))
                .push("(SELECT org FROM messages WHERE id = ")
                .push_bind_unseparated(id_to_db(event.message_id))
                .push_unseparated(")")
                .push_bind(&event.connector)
                .push_bind(kind_name(&event.kind))
                .push_bind(code(&event.kind))
                .push_bind(&event.recipient);
        });
        sql.push("; ");
    }
}
