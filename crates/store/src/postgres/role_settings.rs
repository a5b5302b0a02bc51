//! `PostgresStore` as a `SettingsStore`.

use super::PostgresStore;
use super::settings::{SettingsTable, save_settings, settings_of};
use crate::{Result, SettingsStore};
use async_trait::async_trait;
use mailflow_core::OrgSettings;

#[async_trait]
impl SettingsStore for PostgresStore {
    async fn org_settings(&self, org: &str) -> Result<Option<OrgSettings>> {
        settings_of(&self.pool, SettingsTable::Org, org).await
    }

    async fn save_org_settings(&self, org: &str, settings: &OrgSettings) -> Result<()> {
        save_settings(&self.pool, SettingsTable::Org, org, settings).await
    }
}
