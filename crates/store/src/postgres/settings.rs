//! One JSON settings document per organisation.

use super::changes::SETTINGS_CHANNEL;
use crate::Result;
use crate::columns::{json_from_db, json_to_db};
use mailflow_core::OrgSettings;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{PgConnection, PgPool};

/// Every organisation with settings, by name.
pub async fn org_names(pool: &PgPool) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT org FROM org_settings ORDER BY org")
            .fetch_all(pool)
            .await?,
    )
}

/// Saves a new organisation's settings; false (nothing saved) when it has
/// some already. The other nodes hear of it at the commit.
pub async fn create_org(pool: &PgPool, org: &str, settings: &OrgSettings) -> Result<bool> {
    if crate::organisation::is_reserved(org) {
        return Ok(false);
    }
    let created = sqlx::query(&format!(
        "WITH saved AS (INSERT INTO org_settings (org, settings) VALUES ($1, $2) \
           ON CONFLICT (org) DO NOTHING RETURNING org) \
         SELECT pg_notify('{SETTINGS_CHANNEL}', org) FROM saved"
    ))
    .bind(org)
    .bind(json_to_db(settings))
    .fetch_all(pool)
    .await?;
    Ok(created.len() == 1)
}

/// Tells the other nodes, at the commit, that `org`'s settings changed.
pub async fn notify(conn: &mut PgConnection, org: &str) -> Result<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(SETTINGS_CHANNEL)
        .bind(org)
        .execute(conn)
        .await?;
    Ok(())
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

pub async fn settings_of<T: DeserializeOwned>(
    pool: &PgPool,
    table: SettingsTable,
    org: &str,
) -> Result<Option<T>> {
    let name = table.name();
    let text: Option<String> =
        sqlx::query_scalar(&format!("SELECT settings FROM {name} WHERE org = $1"))
            .bind(org)
            .fetch_optional(pool)
            .await?;
    text.map(|text| json_from_db(&format!("{name}.settings"), &text))
        .transpose()
}

pub async fn save_settings<T: Serialize>(
    pool: &PgPool,
    table: SettingsTable,
    org: &str,
    settings: &T,
) -> Result<()> {
    let name = table.name();
    // The other nodes hear of it at the commit (see `changes`).
    sqlx::query(&format!(
        "WITH saved AS (INSERT INTO {name} (org, settings) VALUES ($1, $2) \
           ON CONFLICT (org) DO UPDATE SET settings = excluded.settings RETURNING org) \
         SELECT pg_notify('{SETTINGS_CHANNEL}', org) FROM saved"
    ))
    .bind(org)
    .bind(json_to_db(settings))
    .execute(pool)
    .await?;
    Ok(())
}
