//! The audit log: operator actions and fixes, appended and never rewritten
//! but for the time an entry was undone.

use super::codec::{count_to_u64, json_from_db, json_to_db, limit_to_db, time_from_db, time_to_db};
use crate::{AuditEntry, Result};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;

const COLUMNS: &str = "id, at, actor, action, target, before_json, after_json, undone_at";

pub async fn append(conn: &mut SqliteConnection, entry: &AuditEntry) -> Result<u64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO audit_log (at, actor, action, target, before_json, after_json, undone_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(time_to_db(entry.at))
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(json_to_db(&entry.before))
    .bind(json_to_db(&entry.after))
    .bind(entry.undone_at.map(time_to_db))
    .fetch_one(conn)
    .await?;
    count_to_u64("audit_log.id", id)
}

/// Newest first. A limit of 0 is no limit.
pub async fn entries(conn: &mut SqliteConnection, limit: usize) -> Result<Vec<AuditEntry>> {
    let limit = if limit == 0 {
        i64::MAX
    } else {
        limit_to_db(limit)
    };
    let sql = format!("SELECT {COLUMNS} FROM audit_log ORDER BY id DESC LIMIT ?");
    let rows = sqlx::query(&sql).bind(limit).fetch_all(conn).await?;
    rows.iter().map(entry).collect()
}

pub async fn entry_by_id(conn: &mut SqliteConnection, id: u64) -> Result<Option<AuditEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE id = ?");
    let row = sqlx::query(&sql)
        .bind(id_to_db(id))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(entry).transpose()
}

/// Marks an entry undone; false when there is no such entry or it was
/// undone already, so that an action is undone at most once.
pub async fn mark_undone(conn: &mut SqliteConnection, id: u64, at: OffsetDateTime) -> Result<bool> {
    let done = sqlx::query("UPDATE audit_log SET undone_at = ? WHERE id = ? AND undone_at IS NULL")
        .bind(time_to_db(at))
        .bind(id_to_db(id))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

fn id_to_db(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

fn entry(row: &SqliteRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: count_to_u64("audit_log.id", row.try_get("id")?)?,
        at: time_from_db(row.try_get("at")?),
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        before: json_from_db("audit_log.before_json", row.try_get("before_json")?)?,
        after: json_from_db("audit_log.after_json", row.try_get("after_json")?)?,
        undone_at: row
            .try_get::<Option<i64>, _>("undone_at")?
            .map(time_from_db),
    })
}
