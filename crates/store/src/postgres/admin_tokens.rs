//! Admin API tokens: saved once, found by digest, listed, and revoked by
//! organisation and name ('' is a token for all organisations).

use crate::columns::{key_to_db, time_to_db};
use crate::decode::{self, TOKEN_COLUMNS};
use crate::{AdminToken, Result};
use sqlx::PgPool;
use time::OffsetDateTime;

/// Saves a new token; false (and nothing saved) when its organisation has
/// a token of its name, or the digest is taken.
pub async fn create(pool: &PgPool, token: &AdminToken) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO admin_tokens (org, name, scope, digest, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(key_to_db(token.org.as_deref()))
    .bind(&token.name)
    .bind(token.scope.as_str())
    .bind(&token.digest)
    .bind(time_to_db(token.created_at))
    .bind(&token.created_by)
    .execute(pool)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

pub async fn list(pool: &PgPool) -> Result<Vec<AdminToken>> {
    let rows = sqlx::query(&format!(
        "SELECT {TOKEN_COLUMNS} FROM admin_tokens ORDER BY org, name"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode::admin_token).collect()
}

pub async fn by_digest(pool: &PgPool, digest: &str) -> Result<Option<AdminToken>> {
    let row = sqlx::query(&format!(
        "SELECT {TOKEN_COLUMNS} FROM admin_tokens WHERE digest = $1"
    ))
    .bind(digest)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(decode::admin_token).transpose()
}

/// Deletes the token; false when its organisation has none of that name.
pub async fn revoke(pool: &PgPool, org: Option<&str>, name: &str) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM admin_tokens WHERE org = $1 AND name = $2")
        .bind(key_to_db(org))
        .bind(name)
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected() == 1)
}

pub async fn used(pool: &PgPool, org: Option<&str>, name: &str, at: OffsetDateTime) -> Result<()> {
    sqlx::query("UPDATE admin_tokens SET last_used_at = $1 WHERE org = $2 AND name = $3")
        .bind(time_to_db(at))
        .bind(key_to_db(org))
        .bind(name)
        .execute(pool)
        .await?;
    Ok(())
}
