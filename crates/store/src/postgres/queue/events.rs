//! Writing events: the JSON record and the columns the trace and the
//! insights filter on, in the transaction of the change they tell of.

use crate::Result;
use crate::columns::{event_code, event_kind_name, id_to_db, json_to_db, time_to_db};
use mailflow_core::Event;
use sqlx::PgConnection;

/// Appends `events` in their order. An event's organisation is its
/// message's; events of a message that is gone keep none.
pub async fn insert(conn: &mut PgConnection, events: &[&Event]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(events.len());
    let mut ats = Vec::with_capacity(events.len());
    let mut records = Vec::with_capacity(events.len());
    let mut connectors = Vec::with_capacity(events.len());
    let mut kinds = Vec::with_capacity(events.len());
    let mut codes = Vec::with_capacity(events.len());
    let mut recipients = Vec::with_capacity(events.len());
    for event in events {
        ids.push(id_to_db(event.message_id));
        ats.push(time_to_db(event.at));
        records.push(json_to_db(*event));
        connectors.push(event.connector.clone());
        kinds.push(event_kind_name(&event.kind));
        codes.push(event_code(&event.kind));
        recipients.push(event.recipient.clone());
    }
    sqlx::query(
        "INSERT INTO events (message_id, at, event, connector, kind, code, recipient, org) \
         SELECT e.message_id, e.at, e.event, e.connector, e.kind, e.code, e.recipient, m.org \
         FROM unnest($1::bytea[], $2::bigint[], $3::text[], $4::text[], $5::text[], \
                     $6::text[], $7::text[]) \
              WITH ORDINALITY AS e (message_id, at, event, connector, kind, code, recipient, n) \
         LEFT JOIN messages m ON m.id = e.message_id \
         ORDER BY e.n",
    )
    .bind(ids)
    .bind(ats)
    .bind(records)
    .bind(connectors)
    .bind(kinds)
    .bind(codes)
    .bind(recipients)
    .execute(conn)
    .await?;
    Ok(())
}
