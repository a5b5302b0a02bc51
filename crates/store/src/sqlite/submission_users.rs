//! The users allowed to authenticate with SMTP AUTH: a name and an Argon2
//! password hash per organisation.

use crate::Result;
use sqlx::{Row, SqliteConnection};

/// Adds the user or replaces its password hash.
pub async fn save(
    conn: &mut SqliteConnection,
    org: &str,
    name: &str,
    password_hash: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO submission_users (org, name, password_hash) VALUES (?, ?, ?) \
         ON CONFLICT (org, name) DO UPDATE SET password_hash = excluded.password_hash",
    )
    .bind(org)
    .bind(name)
    .bind(password_hash)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn password_hash(
    conn: &mut SqliteConnection,
    org: &str,
    name: &str,
) -> Result<Option<String>> {
    let row = sqlx::query("SELECT password_hash FROM submission_users WHERE org = ? AND name = ?")
        .bind(org)
        .bind(name)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get("password_hash")?),
        None => None,
    })
}
