//! What the spool asks the database: the highest segment number rows point
//! at, and which closed segments no waiting message (nor a report still
//! owed, which quotes the body) needs any more. The questions cost a seek
//! in `messages_body_segment` per closed segment and a look at each report
//! owed, whatever the queue's size: they are asked up to every 10 seconds
//! while anything is written, also while a backlog waits for its next hop.

use super::spool::{self, SharedSpool};
use crate::Result;
use sqlx::SqliteConnection;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// Whether a waiting message has its body in segment `?1`: one seek.
const WAITING_IN_SEGMENT: &str =
    "SELECT EXISTS (SELECT 1 FROM messages WHERE body_segment = ?1 AND pending = 1)";

/// The segments holding the bodies of messages a report is owed for (owed
/// reports are few). Driven from `reports_owed`, one primary-key seek per
/// report: joined the other way round, the planner walks every message of
/// a segment to find the few owed.
const SEGMENTS_OWED: &str = "SELECT DISTINCT \
     (SELECT m.body_segment FROM messages m WHERE m.id = o.message_id) \
     FROM reports_owed o";

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
    if closed.is_empty() {
        return Ok(0);
    }
    // A report still owed quotes the body too.
    let owed: HashSet<i64> = sqlx::query_scalar::<_, Option<i64>>(SEGMENTS_OWED)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let mut unused = Vec::new();
    for segment in closed {
        let number = i64::try_from(segment).unwrap_or(i64::MAX);
        if owed.contains(&number) {
            continue;
        }
        let waiting: bool = sqlx::query_scalar(WAITING_IN_SEGMENT)
            .bind(number)
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

#[cfg(test)]
mod tests {
    use super::super::plans::plan;
    use super::{SEGMENTS_OWED, WAITING_IN_SEGMENT};

    /// A step that reads the messages of a segment, waiting or not: as
    /// many rows as the segment holds bodies (the backlog, when it waits).
    fn walks_a_segment(step: &str) -> bool {
        step.contains("messages_body_segment (body_segment=?)")
    }

    #[tokio::test]
    async fn neither_question_walks_the_messages_of_a_segment() {
        for sql in [WAITING_IN_SEGMENT, SEGMENTS_OWED] {
            let steps = plan(sql).await;
            assert!(
                !steps.iter().any(|step| walks_a_segment(step)),
                "{steps:#?} of {sql}"
            );
            assert!(
                !steps
                    .iter()
                    .any(|step| step.starts_with("SCAN m") || step.starts_with("SCAN messages")),
                "{steps:#?} of {sql}"
            );
        }
    }

    #[tokio::test]
    async fn the_owed_segments_are_found_from_the_reports_owed() {
        let steps = plan(SEGMENTS_OWED).await;
        assert!(
            steps.iter().any(|step| step.starts_with("SCAN o")),
            "{steps:#?}"
        );
        assert!(
            steps
                .iter()
                .any(|step| step.starts_with("SEARCH m USING") && step.contains("(id=?)")),
            "{steps:#?}"
        );
    }
}
