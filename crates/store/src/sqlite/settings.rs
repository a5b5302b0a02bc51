//! Organisation settings: one JSON document per organisation.
//!
//! Settings are seeded from the config and then edited through the API and
//! fix actions; keeping them whole as one document keeps an edit atomic and
//! lets the settings type grow without a schema change.

use super::codec::{json_from_db, json_to_db};
use crate::Result;
use mailflow_core::OrgSettings;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{Row, SqliteConnection};

pub async fn org_settings(conn: &mut SqliteConnection, org: &str) -> Result<Option<OrgSettings>> {
    settings_of(conn, SettingsTable::Org, org).await
}

pub async fn save_org_settings(
    conn: &mut SqliteConnection,
    org: &str,
    settings: &OrgSettings,
) -> Result<()> {
    save_settings(conn, SettingsTable::Org, org, settings).await
}

/// Every organisation with settings, by name.
pub async fn org_names(conn: &mut SqliteConnection) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT org FROM org_settings ORDER BY org")
            .fetch_all(conn)
            .await?,
    )
}

/// Saves a new organisation's settings; false (nothing saved) when it has
/// some already.
pub async fn create_org(
    conn: &mut SqliteConnection,
    org: &str,
    settings: &OrgSettings,
) -> Result<bool> {
    if crate::organisation::is_reserved(org) {
        return Ok(false);
    }
    let inserted = sqlx::query(
        "INSERT INTO org_settings (org, settings) VALUES (?, ?) ON CONFLICT (org) DO NOTHING",
    )
    .bind(org)
    .bind(json_to_db(settings))
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The tables that keep one JSON settings document per organisation.
#[derive(Debug, Clone, Copy)]
pub enum SettingsTable {
    Org,
    Alert,
}

impl SettingsTable {
    fn name(self) -> &'static str {
        match self {
            SettingsTable::Org => "org_settings",
            SettingsTable::Alert => "alert_settings",
        }
    }
}

/// The organisation's document in `table`, if it has one.
pub async fn settings_of<T: DeserializeOwned>(
    conn: &mut SqliteConnection,
    table: SettingsTable,
    org: &str,
) -> Result<Option<T>> {
    let name = table.name();
    let row = sqlx::query(&format!("SELECT settings FROM {name} WHERE org = ?"))
        .bind(org)
        .fetch_optional(conn)
        .await?;
    let column = format!("{name}.settings");
    row.map(|row| json_from_db(&column, row.try_get::<&str, _>("settings")?))
        .transpose()
}

/// Writes the organisation's document in `table`, replacing the old one.
pub async fn save_settings<T: Serialize>(
    conn: &mut SqliteConnection,
    table: SettingsTable,
    org: &str,
    settings: &T,
) -> Result<()> {
    let name = table.name();
    sqlx::query(&format!(
        "INSERT INTO {name} (org, settings) VALUES (?, ?) \
         ON CONFLICT (org) DO UPDATE SET settings = excluded.settings"
    ))
    .bind(org)
    .bind(json_to_db(settings))
    .execute(conn)
    .await?;
    Ok(())
}
