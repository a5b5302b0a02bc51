//! The organisations and their settings.

use crate::{OrgRemoval, OrgRename, Result};
use async_trait::async_trait;
use mailflow_core::OrgSettings;

#[async_trait]
pub trait SettingsStore: Send + Sync + 'static {
    async fn org_settings(&self, org: &str) -> Result<Option<OrgSettings>>;

    async fn save_org_settings(&self, org: &str, settings: &OrgSettings) -> Result<()>;

    /// Every organisation that has saved settings, by name.
    async fn org_names(&self) -> Result<Vec<String>>;

    /// Saves a new organisation's settings; false, with nothing saved, when
    /// one of that name has settings already (or the name is `''`, which
    /// stands for every organisation).
    async fn create_org(&self, org: &str, settings: &OrgSettings) -> Result<bool>;

    /// Deletes the organisation and, in the same transaction, every row it
    /// has in every table: its messages with their recipients, events and
    /// bodies, history, settings, alerts and their notifications, invalid
    /// recipients, submission users, admin tokens and audit entries.
    /// Refused (`StillQueued`, nothing changed) while any of its
    /// recipients waits (queued, in flight, deferred, suspended) or a
    /// report to a sender is owed for one of its messages; `Unknown` when
    /// it has no settings.
    async fn remove_org(&self, org: &str) -> Result<OrgRemoval>;

    /// Gives every row of `from`, in every table, to `to` in one
    /// transaction, its waiting counts included. `Taken` when `to` has
    /// settings already (or is `''`, which stands for every organisation),
    /// `Unknown` when `from` has none; either way nothing changed.
    async fn rename_org(&self, from: &str, to: &str) -> Result<OrgRename>;
}
