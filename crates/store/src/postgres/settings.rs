//! One JSON settings document per organisation.

use super::changes::SETTINGS_CHANNEL;
use crate::Result;
use crate::columns::{json_from_db, json_to_db};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::PgPool;

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
