//! Retention of finished messages on SQLite (see `crate::message_retention`):
//! a batch deletes the finished messages with their recipients (`ON DELETE
//! CASCADE`). The spool's segments go once no row points into them.
//!
//! Segment numbers stay unique without the deleted rows: the spool numbers
//! a new segment past both its files and the rows that remain.

use super::codec::{limit_to_db, time_to_db};
use crate::Result;
use crate::message_retention::{Batch, Cursor};
use sqlx::SqliteConnection;
use time::OffsetDateTime;

/// The arrival time of the last of the next `?3` messages received after
/// `?1` and before `?2`: an index-only walk of `messages_received`.
const LAST_OF_BATCH: &str = "SELECT MAX(received_at) FROM (SELECT received_at FROM messages \
     WHERE received_at > ?1 AND received_at < ?2 ORDER BY received_at LIMIT ?3)";

/// Deletes the messages received after `?1` and up to `?2` whose
/// recipients all finished before `?3` and that owe no report.
const DELETE_FINISHED: &str = "DELETE FROM messages AS m \
     WHERE m.received_at > ?1 AND m.received_at <= ?2 AND m.pending = 0 \
     AND NOT EXISTS (SELECT 1 FROM recipients r \
                     WHERE r.message_id = m.id AND r.updated_at >= ?3) \
     AND NOT EXISTS (SELECT 1 FROM reports_owed o WHERE o.message_id = m.id)";

/// Looks at the next `batch` messages received after `from` and before
/// `before` (all of those received at the last one's time, too), and
/// deletes those that finished before `before` and owe no report.
pub async fn prune_batch(
    conn: &mut SqliteConnection,
    before: OffsetDateTime,
    from: Cursor,
    batch: usize,
) -> Result<Batch> {
    let cutoff = time_to_db(before);
    let last: Option<i64> = sqlx::query_scalar(LAST_OF_BATCH)
        .bind(from.0)
        .bind(cutoff)
        .bind(limit_to_db(batch))
        .fetch_one(&mut *conn)
        .await?;
    let Some(last) = last else {
        return Ok(Batch {
            deleted: 0,
            next: None,
        });
    };
    let done = sqlx::query(DELETE_FINISHED)
        .bind(from.0)
        .bind(last)
        .bind(cutoff)
        .execute(&mut *conn)
        .await?;
    Ok(Batch {
        deleted: done.rows_affected(),
        next: Some(Cursor(last)),
    })
}

#[cfg(test)]
mod tests {
    use super::super::plans::assert_walks_no_backlog;
    use super::super::test_support::open_writer_in;
    use super::*;

    #[tokio::test]
    async fn a_batch_seeks_its_range_of_arrivals_and_walks_no_backlog() {
        assert_walks_no_backlog(LAST_OF_BATCH).await;
        assert_walks_no_backlog(DELETE_FINISHED).await;
    }

    fn at(minute: i64) -> OffsetDateTime {
        time::macros::datetime!(2030-01-01 00:00 UTC) + time::Duration::minutes(minute)
    }

    /// A message row received at `minute`, waiting or finished, with no
    /// recipients (enough for what the batch reads).
    async fn insert(conn: &mut SqliteConnection, id: u8, minute: i64, pending: bool) {
        sqlx::query(
            "INSERT INTO messages (id, org, sender, received_at, expires_at, size, pending, body) \
             VALUES (?, 'acme', 'a@acme.test', ?, ?, 0, ?, x'')",
        )
        .bind(vec![id; 16])
        .bind(time_to_db(at(minute)))
        .bind(time_to_db(at(minute + 1440)))
        .bind(pending)
        .execute(&mut *conn)
        .await
        .unwrap();
    }

    async fn ids(conn: &mut SqliteConnection) -> Vec<u8> {
        let ids: Vec<Vec<u8>> = sqlx::query_scalar("SELECT id FROM messages ORDER BY received_at")
            .fetch_all(conn)
            .await
            .unwrap();
        ids.into_iter().map(|id| id[0]).collect()
    }

    #[tokio::test]
    async fn each_batch_looks_at_its_share_and_the_next_resumes_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_writer_in(&dir).await;
        // Three waiting messages, then a finished one, all before the
        // cutoff; one finished after it.
        for (id, minute) in [(1, 1), (2, 2), (3, 3)] {
            insert(&mut conn, id, minute, true).await;
        }
        insert(&mut conn, 4, 4, false).await;
        insert(&mut conn, 5, 20, false).await;
        let before = at(10);

        let first = prune_batch(&mut conn, before, Cursor::START, 2)
            .await
            .unwrap();
        assert_eq!(first.deleted, 0, "two waiting messages looked at");
        let second = prune_batch(&mut conn, before, first.next.unwrap(), 2)
            .await
            .unwrap();
        assert_eq!(second.deleted, 1, "the third waits, the fourth goes");
        let third = prune_batch(&mut conn, before, second.next.unwrap(), 2)
            .await
            .unwrap();
        assert_eq!(
            third,
            Batch {
                deleted: 0,
                next: None
            }
        );
        assert_eq!(ids(&mut conn).await, [1, 2, 3, 5]);
    }

    #[tokio::test]
    async fn messages_received_at_the_same_time_as_a_batch_boundary_are_not_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_writer_in(&dir).await;
        for id in 1..=3 {
            insert(&mut conn, id, 1, false).await;
        }
        let first = prune_batch(&mut conn, at(10), Cursor::START, 2)
            .await
            .unwrap();
        assert_eq!(first.deleted, 3);
        assert!(ids(&mut conn).await.is_empty());
    }
}
