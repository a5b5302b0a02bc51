//! Test support: how SQLite plans a statement on the migrated schema.
//!
//! The queue's scheduling statements must cost what is due, not what is
//! queued. On SQLite that shows in the plan: every step over `recipients`
//! or `messages` is an index search (a seek to a range), none is a scan of
//! a table or of a whole index, and nothing is gathered into a temporary
//! B-tree to be grouped or sorted first (a temporary B-tree that only
//! remembers what was seen, for `DISTINCT` while the walk goes on, holds
//! no more than was read). The schema has no statistics
//! (`ANALYZE` is never run), so the plans seen here are the plans in use.

use super::schema;
use sqlx::Row;

/// The plan's steps (`EXPLAIN QUERY PLAN`'s detail column).
pub async fn plan(sql: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut conn = schema::open_writer(&dir.path().join("plan.db"), None)
        .await
        .expect("the store opens");
    let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
        .fetch_all(&mut conn)
        .await
        .unwrap_or_else(|error| panic!("cannot explain {sql}: {error}"));
    rows.iter()
        .map(|row| row.get::<String, _>("detail"))
        .collect()
}

/// Panics unless every step over the queue's tables is an index search.
pub async fn assert_walks_no_backlog(sql: &str) {
    let steps = plan(sql).await;
    let walks: Vec<&String> = steps
        .iter()
        .filter(|step| {
            let scans_queue = ["recipients", "r", "messages", "m"].iter().any(|table| {
                step.starts_with(&format!("SCAN {table} ")) || **step == format!("SCAN {table}")
            });
            let gathers = step.contains("TEMP B-TREE") && !step.contains("FOR DISTINCT");
            scans_queue || gathers
        })
        .collect();
    assert!(
        walks.is_empty(),
        "steps that walk the queue {walks:?} in the plan {steps:#?} of {sql}"
    );
    assert!(
        steps.iter().any(|step| step.starts_with("SEARCH")),
        "no index search in the plan {steps:#?} of {sql}"
    );
}
