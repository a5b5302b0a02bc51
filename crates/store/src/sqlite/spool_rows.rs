//! What the spool asks the database: the highest segment number rows point
//! at, and which closed segments no waiting message (nor a report still
//! owed, which quotes the body) needs any more. The questions are seeks in
//! `messages_body_segment`, whatever the queue's size.

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

/// Deletes the closed segments that have held no waiting message's body
/// (nor one a report is still owed for) for `grace`; returns how many went.
/// Runs on the write connection, between group commits, so no commit
/// pointing into a segment can slip in between the question and the
/// deletion.
///
/// What made a message stop waiting may be committed at
/// `synchronous=NORMAL` only: in the WAL, not yet on disk. A power cut
/// could bring the message back as waiting with its segment gone, so the
/// WAL is checkpointed first — synced and copied into the synced database
/// file — and nothing is deleted unless that checkpoint went all the way.
/// Segments left for that reason go at a later round.
pub async fn collect(
    conn: &mut SqliteConnection,
    spool: &SharedSpool,
    now: Instant,
    grace: Duration,
) -> Result<usize> {
    let closed = spool::lock(spool).closed_segments();
    let mut unused = Vec::new();
    for segment in closed {
        // A report still owed quotes the body too; owed reports are few.
        let waiting: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE body_segment = ?1 AND pending = 1) \
             OR EXISTS (SELECT 1 FROM reports_owed o JOIN messages m ON m.id = o.message_id \
             WHERE m.body_segment = ?1)",
        )
        .bind(i64::try_from(segment).unwrap_or(i64::MAX))
        .fetch_one(&mut *conn)
        .await?;
        if !waiting {
            unused.push(segment);
        }
    }
    let due = spool::lock(spool).past_grace(&unused, now, grace);
    if due.is_empty() || !checkpoint_complete(conn).await? {
        return Ok(0);
    }
    Ok(spool::lock(spool).delete(&due)?)
}

/// Runs a passive checkpoint; true when every frame of the WAL is now in the
/// database file, both synced. A reader holding an older snapshot can keep
/// part of the WAL from being copied; that is a false, not an error.
async fn checkpoint_complete(conn: &mut SqliteConnection) -> Result<bool> {
    let (busy, log, checkpointed): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(conn)
            .await?;
    Ok(busy == 0 && checkpointed == log)
}
