//! Removing and renaming an organisation on the shared database (see
//! `crate::organisation`): one transaction, a statement per table.
//!
//! Other nodes go on accepting and delivering meanwhile, so the
//! transaction reads one snapshot throughout (`REPEATABLE READ`): what it
//! checks is what it changes, and a row another node changed since the
//! snapshot makes it fail as a serialization failure, which
//! `transaction::write!` runs again. Mail accepted after the snapshot is
//! left as it was, whole: a message with its recipients and their counts.
//!
//! Messages go as retention deletes them, with their recipients and body
//! pieces (`ON DELETE CASCADE`). There are no triggers: renaming moves the
//! waiting counts' rows here, in the same transaction.

use super::settings::notify;
use crate::organisation::{COUNT_TABLES, ORG_TABLES, is_reserved};
use crate::{OrgRemoval, OrgRename, Result};
use sqlx::PgConnection;

/// Deletes every row of `org`, unless mail of it still waits.
pub async fn remove(conn: &mut PgConnection, org: &str) -> Result<OrgRemoval> {
    one_snapshot(conn).await?;
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
    let holds = format!("DELETE FROM next_hop_holds WHERE {}", key_of("$1"));
    let deletes = ORG_TABLES.iter().chain(COUNT_TABLES);
    for sql in deletes
        .map(|table| format!("DELETE FROM {table} WHERE org = $1"))
        .chain([holds])
    {
        sqlx::query(&sql).bind(org).execute(&mut *conn).await?;
    }
    notify(conn, org).await?;
    Ok(OrgRemoval::Removed)
}

/// Gives every row of `from` to `to`, its waiting counts added to any
/// `to` has.
pub async fn rename(conn: &mut PgConnection, from: &str, to: &str) -> Result<OrgRename> {
    one_snapshot(conn).await?;
    if !has_settings(conn, from).await? {
        return Ok(OrgRename::Unknown);
    }
    if is_reserved(to) || has_settings(conn, to).await? {
        return Ok(OrgRename::Taken);
    }
    // In id order, as outcomes lock them (`queue::record`): a delivery
    // recorded meanwhile waits for the rename, or the rename for it.
    sqlx::query("SELECT 1 FROM messages WHERE org = $1 ORDER BY id FOR UPDATE")
        .bind(from)
        .execute(&mut *conn)
        .await?;
    let holds = format!(
        "UPDATE next_hop_holds SET next_hop = {RENAMED_KEY} WHERE {}",
        key_of("$1")
    );
    let renames = ORG_TABLES.iter().map(|table| rename_in(table));
    let counts = [MOVE_PENDING_COUNTS, MOVE_SUSPENDED_COUNTS].map(str::to_string);
    for sql in renames.chain([holds]).chain(counts) {
        sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .execute(&mut *conn)
            .await?;
    }
    notify(conn, from).await?;
    notify(conn, to).await?;
    Ok(OrgRename::Renamed)
}

/// Gives `table`'s rows of `$1` to `$2`; a recipient's queue key too.
fn rename_in(table: &str) -> String {
    if table == "recipients" {
        format!(
            "UPDATE recipients SET org = $2, next_hop = \
             CASE WHEN {} THEN {RENAMED_KEY} ELSE next_hop END WHERE org = $1",
            key_of("$1")
        )
    } else {
        format!("UPDATE {table} SET org = $2 WHERE org = $1")
    }
}

/// Whether `next_hop` is a queue key of the organisation `org` (a
/// parameter) names: it starts with `org/`.
fn key_of(org: &str) -> String {
    format!("starts_with(next_hop, {org} || '/')")
}

/// `$1`'s queue key `next_hop` in `$2`'s name.
const RENAMED_KEY: &str = "$2 || substr(next_hop, length($1) + 1)";

/// `$1`'s waiting counts become `$2`'s.
const MOVE_PENDING_COUNTS: &str = "WITH moved AS \
     (DELETE FROM pending_counts WHERE org = $1 RETURNING connector, code, recipients) \
     INSERT INTO pending_counts (org, connector, code, recipients) \
     SELECT $2, connector, code, recipients FROM moved WHERE recipients <> 0 \
     ON CONFLICT (org, connector, code) \
     DO UPDATE SET recipients = pending_counts.recipients + excluded.recipients";

const MOVE_SUSPENDED_COUNTS: &str = "WITH moved AS \
     (DELETE FROM suspended_counts WHERE org = $1 RETURNING connector, recipients) \
     INSERT INTO suspended_counts (org, connector, recipients) \
     SELECT $2, connector, recipients FROM moved WHERE recipients <> 0 \
     ON CONFLICT (org, connector) \
     DO UPDATE SET recipients = suspended_counts.recipients + excluded.recipients";

/// Every statement of the transaction reads the snapshot of its first.
async fn one_snapshot(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether `org` has settings; its row is locked for the rest of the
/// transaction, so two changes of one organisation take turns.
async fn has_settings(conn: &mut PgConnection, org: &str) -> Result<bool> {
    let found: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM org_settings WHERE org = $1 FOR UPDATE")
            .bind(org)
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

/// The organisation's waiting recipients (from the counts) and the reports
/// owed for its messages.
async fn still_queued(conn: &mut PgConnection, org: &str) -> Result<(u64, u64)> {
    let (recipients, reports): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COALESCE(SUM(recipients), 0)::bigint FROM pending_counts \
                 WHERE org = $1), \
         (SELECT COUNT(*) FROM reports_owed o JOIN messages m ON m.id = o.message_id \
          WHERE m.org = $1)",
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
    use crate::organisation::every_table;
    use mailflow_testkit::postgres_schema::TestSchema;
    use sqlx::PgPool;

    #[tokio::test]
    async fn every_table_with_an_org_column_is_known_to_removal_and_renaming() {
        let schema = TestSchema::create("mailflow_org_tables").await;
        let pool = PgPool::connect(&schema.url).await.unwrap();
        super::super::schema::migrate(&pool).await.unwrap();
        let with_org: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND column_name = 'org' \
             ORDER BY table_name COLLATE \"C\"",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(with_org, every_table());
        pool.close().await;
    }
}
