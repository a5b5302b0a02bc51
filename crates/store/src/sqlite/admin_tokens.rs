//! Admin API tokens: saved once, found by digest, listed, and revoked by
//! organisation and name ('' is a token for all organisations).

use super::codec::{key_to_db, time_to_db};
use crate::decode::{self, TOKEN_COLUMNS};
use crate::{AdminToken, Result};
use sqlx::SqliteConnection;
use time::OffsetDateTime;

/// Saves a new token; false (and nothing saved) when its organisation has
/// a token of its name, or the digest is taken.
pub async fn create(conn: &mut SqliteConnection, token: &AdminToken) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO admin_tokens (org, name, scope, digest, created_at, created_by) \
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(key_to_db(token.org.as_deref()))
    .bind(&token.name)
    .bind(token.scope.as_str())
    .bind(&token.digest)
    .bind(time_to_db(token.created_at))
    .bind(&token.created_by)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

pub async fn list(conn: &mut SqliteConnection) -> Result<Vec<AdminToken>> {
    let rows = sqlx::query(&format!(
        "SELECT {TOKEN_COLUMNS} FROM admin_tokens ORDER BY org, name"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode::admin_token).collect()
}

pub async fn by_digest(conn: &mut SqliteConnection, digest: &str) -> Result<Option<AdminToken>> {
    let row = sqlx::query(&format!(
        "SELECT {TOKEN_COLUMNS} FROM admin_tokens WHERE digest = ?"
    ))
    .bind(digest)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode::admin_token).transpose()
}

/// Deletes the token; false when its organisation has none of that name.
pub async fn revoke(conn: &mut SqliteConnection, org: Option<&str>, name: &str) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM admin_tokens WHERE org = ? AND name = ?")
        .bind(key_to_db(org))
        .bind(name)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected() == 1)
}

pub async fn used(
    conn: &mut SqliteConnection,
    org: Option<&str>,
    name: &str,
    at: OffsetDateTime,
) -> Result<()> {
    sqlx::query("UPDATE admin_tokens SET last_used_at = ? WHERE org = ? AND name = ?")
        .bind(time_to_db(at))
        .bind(key_to_db(org))
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}
