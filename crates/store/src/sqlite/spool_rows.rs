//! What the spool asks the database: the highest segment number rows point
//! at, and which closed segments no waiting message needs any more. Both
//! are seeks in `messages_body_segment`, whatever the queue's size.

use super::spool::{self, SharedSpool};
use crate::Result;
use sqlx::SqliteConnection;
use std::time::{Duration, Instant};

/// The highest segment a message row points at (0 when none does).
pub async fn highest_segment(conn: &mut SqliteConnection) -> Result<u64> {
    let highest: Option<i64> = sqlx::query_scalar("SELECT MAX(body_segment) FROM messages")
        .fetch_one(conn)
        .await?;
    Ok(highest.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// Deletes the closed segments that have held no waiting message's body for
/// `grace`; returns how many went. Runs on the write connection, between
/// group commits, so no commit pointing into a segment can slip in between
/// the question and the deletion.
pub async fn collect(
    conn: &mut SqliteConnection,
    spool: &SharedSpool,
    now: Instant,
    grace: Duration,
) -> Result<usize> {
    let closed = spool::lock(spool).closed_segments();
    let mut unused = Vec::new();
    for segment in closed {
        let waiting: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE body_segment = ? AND pending = 1)",
        )
        .bind(i64::try_from(segment).unwrap_or(i64::MAX))
        .fetch_one(&mut *conn)
        .await?;
        if !waiting {
            unused.push(segment);
        }
    }
    Ok(spool::lock(spool).collect(&unused, now, grace)?)
}
