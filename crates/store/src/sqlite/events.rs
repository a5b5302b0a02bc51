//! Writing events: the JSON record plus the columns the trace and the
//! insights filter on (organisation, connector, type, code, recipient).

use super::codec::{event_code, event_kind_name, json_to_db, time_to_db};
use super::json_rows;
use mailflow_core::Event;

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
            event_kind_name(&event.kind),
            event_code(&event.kind),
            &event.recipient,
        )
    }))
}
