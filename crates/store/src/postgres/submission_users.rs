//! The users allowed to authenticate with SMTP AUTH: a name and an Argon2
//! password hash per organisation.

use crate::Result;
use sqlx::PgPool;

/// Adds the user or replaces its password hash.
pub async fn save(pool: &PgPool, org: &str, name: &str, password_hash: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO submission_users (org, name, password_hash) VALUES ($1, $2, $3) \
         ON CONFLICT (org, name) DO UPDATE SET password_hash = excluded.password_hash",
    )
    .bind(org)
    .bind(name)
    .bind(password_hash)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn password_hash(pool: &PgPool, org: &str, name: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT password_hash FROM submission_users WHERE org = $1 AND name = $2",
    )
    .bind(org)
    .bind(name)
    .fetch_optional(pool)
    .await?)
}

/// The organisation's users, by name.
pub async fn names(pool: &PgPool, org: &str) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT name FROM submission_users WHERE org = $1 ORDER BY name")
            .bind(org)
            .fetch_all(pool)
            .await?,
    )
}

/// Deletes the user; false when there is none of that name.
pub async fn remove(pool: &PgPool, org: &str, name: &str) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM submission_users WHERE org = $1 AND name = $2")
        .bind(org)
        .bind(name)
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected() == 1)
}
