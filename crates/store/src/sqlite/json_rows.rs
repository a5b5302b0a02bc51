//! Rows handed to SQLite as one JSON array parameter.
//!
//! A statement that lists its rows (`VALUES (?, ?), (?, ?), …`) has a
//! different text for every number of rows, so SQLite parses and plans it
//! afresh each time; on the busy paths (accepts, outcome records) that was
//! a quarter of the writer's work. The statements that take many rows read
//! them with `json_each` from one parameter instead: their text never
//! changes, so they are prepared once and kept by the connection.
//!
//! Each row is a JSON array whose positions the statement names
//! (`r.value ->> 0`, …) next to the Rust tuple that fills them. The
//! statements read the rows through a materialized `WITH r (value) AS
//! (SELECT jsonb(value) FROM json_each(?))`, so that each row's JSON is
//! parsed once rather than at every position read. JSON has no bytes:
//! message ids travel as 32 hex digits (`unhex` in the statement); bodies
//! are not in the database (see `spool`).

use mailflow_core::MessageId;
use serde::Serialize;

/// The rows as one JSON array of arrays (tuples serialize as arrays).
pub fn array<T: Serialize>(rows: impl IntoIterator<Item = T>) -> String {
    let mut json = Vec::with_capacity(256);
    json.push(b'[');
    for (n, row) in rows.into_iter().enumerate() {
        if n > 0 {
            json.push(b',');
        }
        // mailflow's rows are tuples of plain values: they serialize
        // without failing.
        serde_json::to_writer(&mut json, &row).expect("rows serialize to JSON");
    }
    json.push(b']');
    String::from_utf8(json).expect("serde_json writes UTF-8")
}

/// A message id as the statements take it: `unhex(…)` gives its 16 bytes.
pub fn id(id: MessageId) -> String {
    id.0.simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_reads_back_what_the_rows_carry() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = super::super::test_support::open_writer_in(&dir).await;
        let message = MessageId::new();
        let rows = array([
            (id(message), i64::MAX, Some("ünïcode \"quoted\"\n")),
            (id(message), i64::MIN, None),
        ]);
        let read: Vec<(Vec<u8>, i64, Option<String>)> = sqlx::query_as(
            "SELECT unhex(r.value ->> 0), r.value ->> 1, r.value ->> 2 FROM json_each(?) r",
        )
        .bind(rows)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let bytes = message.0.as_bytes().to_vec();
        assert_eq!(
            read,
            vec![
                (bytes.clone(), i64::MAX, Some("ünïcode \"quoted\"\n".into())),
                (bytes, i64::MIN, None),
            ]
        );
        assert_eq!(array(Vec::<(i64,)>::new()), "[]");
    }
}
