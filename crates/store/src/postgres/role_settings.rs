//! `PostgresStore` as a `SettingsStore`.

use super::settings::{self, SettingsTable, save_settings, settings_of};
use super::{PostgresStore, organisations, transaction};
use crate::{OrgRemoval, OrgRename, Result, SettingsStore};
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

    async fn org_names(&self) -> Result<Vec<String>> {
        settings::org_names(&self.pool).await
    }

    async fn create_org(&self, org: &str, settings: &OrgSettings) -> Result<bool> {
        settings::create_org(&self.pool, org, settings).await
    }

    async fn remove_org(&self, org: &str) -> Result<OrgRemoval> {
        transaction::write!(self.pool, conn => organisations::remove(conn, org))
    }

    async fn rename_org(&self, from: &str, to: &str) -> Result<OrgRename> {
        transaction::write!(self.pool, conn => organisations::rename(conn, from, to))
    }
}
