//! Writing events: the JSON record plus the columns the trace and the
//! insights filter on (organisation, connector, type, code, recipient).

use super::codec::{id_to_db, json_to_db, time_to_db};
use crate::Result;
use mailflow_core::{Event, EventKind};
use sqlx::SqliteConnection;

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

/// Appends `event`; its organisation is its message's (events of a message
/// that is gone keep none).
pub async fn insert_event(conn: &mut SqliteConnection, event: &Event) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO events (message_id, at, event, org, connector, kind, code, recipient) \
         VALUES (?1, ?2, ?3, (SELECT org FROM messages WHERE id = ?1), ?4, ?5, ?6, ?7)",
    )
    .bind(id_to_db(event.message_id))
    .bind(time_to_db(event.at))
    .bind(json_to_db(event))
    .bind(&event.connector)
    .bind(kind_name(&event.kind))
    .bind(code(&event.kind))
    .bind(&event.recipient)
    .execute(conn)
    .await?;
    Ok(())
}

/// Shorthand for writers that return the store's `Result`.
pub async fn append(conn: &mut SqliteConnection, event: &Event) -> Result<()> {
    Ok(insert_event(conn, event).await?)
}
