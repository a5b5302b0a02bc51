//! Writing events: the JSON record plus the columns the trace and the
//! insights filter on (organisation, connector, type, code, recipient).

use super::codec::{id_to_db, json_to_db, time_to_db};
use crate::Result;
use mailflow_core::{Event, EventKind};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

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

/// Appends `events`, many rows to a statement (each statement is a round
/// trip to the SQLite worker thread). An event's organisation is its
/// message's; events of a message that is gone keep none.
pub async fn insert_events(conn: &mut SqliteConnection, events: &[Event]) -> sqlx::Result<()> {
    for chunk in events.chunks(EVENTS_PER_STATEMENT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO events (message_id, at, event, org, connector, kind, code, recipient) ",
        );
        insert.push_values(chunk, |mut row, event| {
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
        // Batches differ in size: caching each shape would evict the
        // statements that are reused.
        insert.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Shorthand for writers that return the store's `Result`.
pub async fn append(conn: &mut SqliteConnection, events: &[Event]) -> Result<()> {
    Ok(insert_events(conn, events).await?)
}
