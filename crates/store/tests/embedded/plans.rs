//! That the embedded store's insight, trace and expiry reads use their
//! indexes, as SQLite plans them on the migrated schema. (The scheduling
//! statements are checked against their plans beside them, in the store's
//! unit tests: `sqlite/due.rs`, `sqlite/claim.rs`.)

use crate::common::*;
use sqlx::{Connection, SqliteConnection};

/// The plan SQLite picks for a query, one line per step.
async fn plan(conn: &mut SqliteConnection, sql: &str) -> String {
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
        .fetch_all(conn)
        .await
        .unwrap();
    rows.into_iter()
        .map(|row| row.3)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A connection to a new store's migrated file (the store closed), and
/// the directory that keeps the file.
async fn migrated() -> (tempfile::TempDir, SqliteConnection) {
    let TestStore { dir, store } = open_store().await;
    let path = store.path().to_path_buf();
    store.close().await.unwrap();
    let conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    (dir, conn)
}

#[tokio::test]
async fn insight_and_trace_queries_read_indexes() {
    let (_dir, mut conn) = migrated().await;
    let pending = "state IN ('queued', 'in_flight', 'deferred', 'suspended')";
    let cases = [
        (
            format!("SELECT MIN(received_at) FROM recipients WHERE org = 'a' \
             AND route_connector IS 'x' AND last_error_code IS NULL AND {pending}"),
            "recipients_pending_connector",
        ),
        (
            format!("SELECT last_error FROM recipients WHERE org = 'a' AND route_connector IS 'x' \
             AND {pending} AND last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 1"),
            "recipients_pending_last_error",
        ),
        (
            "SELECT kind, COUNT(*) FROM events WHERE org = 'a' AND connector IS 'x' AND at >= 1 AND at < 2 GROUP BY kind".to_string(),
            "events_connector",
        ),
        (
            "SELECT id FROM messages WHERE id IN (SELECT message_id FROM recipients r WHERE LOWER(r.address) = LOWER('x'))".to_string(),
            "recipients_address",
        ),
        (
            "SELECT id FROM messages m WHERE LOWER(m.sender) = LOWER('x')".to_string(),
            "messages_sender",
        ),
        ("DELETE FROM events WHERE at < 5".to_string(), "events_at"),
    ];
    for (sql, index) in cases {
        let plan = plan(&mut conn, &sql).await;
        assert!(plan.contains(index), "{sql}\n{plan}");
        assert!(
            !plan.contains("SCAN recipients\n") && !plan.ends_with("SCAN recipients"),
            "{plan}"
        );
    }
}

#[tokio::test]
async fn expiry_sweeps_read_the_pending_expiry_index() {
    let (_dir, mut conn) = migrated().await;
    let expiry = plan(
        &mut conn,
        "SELECT id FROM messages WHERE pending = 1 AND expires_at <= 1",
    )
    .await;
    assert!(expiry.contains("messages_pending_expiry"), "{expiry}");
}
