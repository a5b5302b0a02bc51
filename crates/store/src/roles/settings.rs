//! The organisation's settings.

use crate::Result;
use async_trait::async_trait;
use mailflow_core::OrgSettings;

#[async_trait]
pub trait SettingsStore: Send + Sync + 'static {
    async fn org_settings(&self, org: &str) -> Result<Option<OrgSettings>>;

    async fn save_org_settings(&self, org: &str, settings: &OrgSettings) -> Result<()>;
}
