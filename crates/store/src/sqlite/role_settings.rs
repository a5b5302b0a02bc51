//! `SqliteStore` as a `SettingsStore`.

use super::*;
use crate::{OrgRemoval, OrgRename, SettingsStore};

#[async_trait]
impl SettingsStore for SqliteStore {
    async fn org_settings(&self, org: &str) -> Result<Option<OrgSettings>> {
        settings::org_settings(&mut *self.read().await?, org).await
    }

    async fn save_org_settings(&self, org: &str, settings: &OrgSettings) -> Result<()> {
        let (org, settings) = (org.to_string(), settings.clone());
        on_writer!(self, conn => settings::save_org_settings(conn, &org, &settings))
    }

    async fn org_names(&self) -> Result<Vec<String>> {
        settings::org_names(&mut *self.read().await?).await
    }

    async fn create_org(&self, org: &str, settings: &OrgSettings) -> Result<bool> {
        let (org, settings) = (org.to_string(), settings.clone());
        on_writer!(self, conn => settings::create_org(conn, &org, &settings))
    }

    async fn remove_org(&self, org: &str) -> Result<OrgRemoval> {
        // The events of writes answered so far go in first, so that none
        // of the organisation's is written after its rows are gone.
        self.writer.flush_events().await?;
        let org = org.to_string();
        on_writer!(self, conn => organisations::remove(conn, &org))
    }

    async fn rename_org(&self, from: &str, to: &str) -> Result<OrgRename> {
        // Events still to be written take their organisation from their
        // message's row when they are: the new name, once it is renamed.
        let (from, to) = (from.to_string(), to.to_string());
        on_writer!(self, conn => organisations::rename(conn, &from, &to))
    }
}
