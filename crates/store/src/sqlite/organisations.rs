//! Removing and renaming an organisation on SQLite (see
//! `crate::organisation`): one write transaction on the writer, a
//! statement per table.
//!
//! Its messages go as retention deletes them: the rows, recipients with
//! them, and the spool's segments once no waiting message needs them (an
//! organisation is removed only when none of its messages waits). The
//! waiting counts are kept by triggers: a recipient whose `org` changes
//! moves its count to the new name, and leaves a zero under the old one.

use super::transaction::in_transaction;
use crate::organisation::{COUNT_TABLES, ORG_TABLES, is_reserved};
use crate::{OrgRemoval, OrgRename, Result};
use sqlx::SqliteConnection;

/// Deletes every row of `org`, unless mail of it still waits.
pub async fn remove(conn: &mut SqliteConnection, org: &str) -> Result<OrgRemoval> {
    in_transaction(conn, async |conn| {
        if !has_settings(conn, org).await? {
            return Ok(OrgRemoval::Unknown);
        }
        let (recipients, reports) = still_queued(conn, org).await?;
        if recipients > 0 || reports > 0 {
            return Ok(OrgRemoval::StillQueued {
                recipients,
                reports,
            });
        }
        for table in ORG_TABLES.iter().chain(COUNT_TABLES) {
            sqlx::query(&format!("DELETE FROM {table} WHERE org = ?1"))
                .bind(org)
                .execute(&mut *conn)
                .await?;
        }
        let holds = format!("DELETE FROM next_hop_holds WHERE {}", key_of("?1"));
        sqlx::query(&holds).bind(org).execute(&mut *conn).await?;
        Ok(OrgRemoval::Removed)
    })
    .await
}

/// Gives every row of `from` to `to`.
pub async fn rename(conn: &mut SqliteConnection, from: &str, to: &str) -> Result<OrgRename> {
    in_transaction(conn, async |conn| {
        if !has_settings(conn, from).await? {
            return Ok(OrgRename::Unknown);
        }
        if is_reserved(to) || has_settings(conn, to).await? {
            return Ok(OrgRename::Taken);
        }
        let holds = format!(
            "UPDATE next_hop_holds SET next_hop = {RENAMED_KEY} WHERE {}",
            key_of("?2")
        );
        for sql in ORG_TABLES
            .iter()
            .map(|table| rename_in(table))
            .chain([holds])
        {
            sqlx::query(&sql)
                .bind(to)
                .bind(from)
                .execute(&mut *conn)
                .await?;
        }
        // The recipients' triggers moved their counts; the old name's rows
        // are zeros.
        for table in COUNT_TABLES {
            sqlx::query(&format!("DELETE FROM {table} WHERE org = ?"))
                .bind(from)
                .execute(&mut *conn)
                .await?;
        }
        Ok(OrgRename::Renamed)
    })
    .await
}

/// Gives `table`'s rows of `?2` to `?1`; a recipient's queue key too.
fn rename_in(table: &str) -> String {
    if table == "recipients" {
        format!(
            "UPDATE recipients SET org = ?1, next_hop = \
             CASE WHEN {} THEN {RENAMED_KEY} ELSE next_hop END WHERE org = ?2",
            key_of("?2")
        )
    } else {
        format!("UPDATE {table} SET org = ?1 WHERE org = ?2")
    }
}

/// Whether `next_hop` is a queue key of the organisation `org` (a
/// parameter) names: it starts with `org/`.
fn key_of(org: &str) -> String {
    format!("substr(next_hop, 1, length({org}) + 1) = {org} || '/'")
}

/// `?2`'s queue key `next_hop` in `?1`'s name.
const RENAMED_KEY: &str = "?1 || substr(next_hop, length(?2) + 1)";

async fn has_settings(conn: &mut SqliteConnection, org: &str) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM org_settings WHERE org = ?)")
            .bind(org)
            .fetch_one(conn)
            .await?,
    )
}

/// The organisation's waiting recipients (from the counts) and the reports
/// owed for its messages (few, each one seek of its message).
async fn still_queued(conn: &mut SqliteConnection, org: &str) -> Result<(u64, u64)> {
    let (recipients, reports): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT IFNULL(SUM(recipients), 0) FROM pending_counts WHERE org = ?1), \
         (SELECT COUNT(*) FROM reports_owed o JOIN messages m ON m.id = o.message_id \
          WHERE m.org = ?1)",
    )
    .bind(org)
    .fetch_one(conn)
    .await?;
    // A count below zero would be a miscount, not mail that waits.
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok((count(recipients), count(reports)))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::open_writer_in;
    use crate::organisation::every_table;

    #[tokio::test]
    async fn every_table_with_an_org_column_is_known_to_removal_and_renaming() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_writer_in(&dir).await;
        let with_org: Vec<String> = sqlx::query_scalar(
            "SELECT t.name FROM sqlite_master t JOIN pragma_table_info(t.name) c \
             WHERE t.type = 'table' AND c.name = 'org' ORDER BY t.name",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert_eq!(with_org, every_table());
    }
}
