//! The audit log: operator actions and fixes, appended and never rewritten
//! but for the time an entry was undone.

use crate::columns::{count_to_u64, json_to_db, limit_to_db, serial_to_db, time_to_db};
use crate::decode::{self, AUDIT_COLUMNS};
use crate::{AuditEntry, Result};
use sqlx::PgPool;
use time::OffsetDateTime;

pub async fn append(pool: &PgPool, entry: &AuditEntry) -> Result<u64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO audit_log \
         (at, org, actor, action, target, before_json, after_json, undone_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(time_to_db(entry.at))
    .bind(&entry.org)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(json_to_db(&entry.before))
    .bind(json_to_db(&entry.after))
    .bind(entry.undone_at.map(time_to_db))
    .fetch_one(pool)
    .await?;
    count_to_u64("audit_log.id", id)
}

/// Newest first, of `org` only when one is given. A limit of 0 is no
/// limit.
pub async fn entries(pool: &PgPool, org: Option<&str>, limit: usize) -> Result<Vec<AuditEntry>> {
    let limit = if limit == 0 {
        i64::MAX
    } else {
        limit_to_db(limit)
    };
    let of_org = if org.is_some() { "WHERE org = $2" } else { "" };
    let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log {of_org} ORDER BY id DESC LIMIT $1");
    let mut query = sqlx::query(&sql).bind(limit);
    if let Some(org) = org {
        query = query.bind(org);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter().map(decode::audit_entry).collect()
}

pub async fn entry_by_id(pool: &PgPool, id: u64) -> Result<Option<AuditEntry>> {
    let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(serial_to_db(id))
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(decode::audit_entry).transpose()
}

/// Marks an entry undone; false when there is no such entry or it was
/// undone already, so that an action is undone at most once, whichever
/// node is asked.
pub async fn mark_undone(pool: &PgPool, id: u64, at: OffsetDateTime) -> Result<bool> {
    let done =
        sqlx::query("UPDATE audit_log SET undone_at = $1 WHERE id = $2 AND undone_at IS NULL")
            .bind(time_to_db(at))
            .bind(serial_to_db(id))
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}
