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

/// Rows per `INSERT`: seven parameters each keeps a statement far below
/// SQLite's limit of 32766 parameters.
const EVENTS_PER_STATEMENT: usize = 1000;

/// Pushes the statements that append `events`, many rows to a statement,
/// each ending with `; `. An event's organisation is its message's; events
/// of a message that is gone keep none. The organisation is looked up with
/// one join per statement rather than a subquery per row: SQLite parses
/// these statements afresh each time, and the subqueries were most of it.
pub fn push_insert_events<'a>(sql: &mut QueryBuilder<'a, Sqlite>, events: &'a [Event]) {
    for chunk in events.chunks(EVENTS_PER_STATEMENT) {
        sql.push(
            "INSERT INTO events (message_id, at, event, connector, kind, code, recipient, org) \
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, \
             v.column7, m.org FROM (",
        );
        sql.push_values(chunk, |mut row, event| {
            row.push_bind(id_to_db(event.message_id))
                .push_bind(time_to_db(event.at))
                .push_bind(json_to_db(event))
                .push_bind(&event.connector)
                .push_bind(kind_name(&event.kind))
                .push_bind(code(&event.kind))
                .push_bind(&event.recipient);
        });
        // A LEFT JOIN keeps the rows in the order given.
        sql.push(") v LEFT JOIN messages m ON m.id = v.column1; ");
    }
}
