//! `SqliteStore` as a `SettingsStore`.

use super::*;
use crate::SettingsStore;

#[async_trait]
impl SettingsStore for SqliteStore {
    async fn org_settings(&self, org: &str) -> Result<Option<OrgSettings>> {
        settings::org_settings(&mut *self.read().await?, org).await
    }

    async fn save_org_settings(&self, org: &str, settings: &OrgSettings) -> Result<()> {
        let (org, settings) = (org.to_string(), settings.clone());
        on_writer!(self, conn => settings::save_org_settings(conn, &org, &settings))
    }
}
