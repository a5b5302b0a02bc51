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

/// The organisation's users, by name.
pub async fn names(conn: &mut SqliteConnection, org: &str) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT name FROM submission_users WHERE org = ? ORDER BY name")
        .bind(org)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|row| Ok(row.try_get("name")?)).collect()
}

/// Deletes the user; false when there is none of that name.
pub async fn remove(conn: &mut SqliteConnection, org: &str, name: &str) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM submission_users WHERE org = ? AND name = ?")
        .bind(org)
        .bind(name)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected() == 1)
}
