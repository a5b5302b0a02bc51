//! Organisation settings: one JSON document per organisation.
//!
//! Settings are seeded from the config and then edited through the API and
//! fix actions; keeping them whole as one document keeps an edit atomic and
//! lets the settings type grow without a schema change.

use super::codec::{json_from_db, json_to_db};
use crate::Result;
use mailflow_core::OrgSettings;
use sqlx::{Row, SqliteConnection};

pub async fn org_settings(conn: &mut SqliteConnection, org: &str) -> Result<Option<OrgSettings>> {
    let row = sqlx::query("SELECT settings FROM org_settings WHERE org = ?")
        .bind(org)
        .fetch_optional(conn)
        .await?;
    row.map(|row| json_from_db("org_settings.settings", row.try_get::<&str, _>("settings")?))
        .transpose()
}

pub async fn save_org_settings(
    conn: &mut SqliteConnection,
    org: &str,
    settings: &OrgSettings,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO org_settings (org, settings) VALUES (?, ?) \
         ON CONFLICT (org) DO UPDATE SET settings = excluded.settings",
    )
    .bind(org)
    .bind(json_to_db(settings))
    .execute(conn)
    .await?;
    Ok(())
}
