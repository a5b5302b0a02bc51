//! Every organisation's settings as the store has them: what a node puts
//! in force when it starts, when it is about to change settings, and when
//! another node saved some.

use mailflow_core::Orgs;
use mailflow_store::{Result, SharedStore};

/// Each organisation with saved settings, and the node's own (`home`) even
/// before it has any.
pub(crate) async fn load(store: &SharedStore, home: &str) -> Result<Orgs> {
    let mut names = store.org_names().await?;
    if !names.iter().any(|name| name == home) {
        names.push(home.to_string());
    }
    let mut orgs = Vec::with_capacity(names.len());
    for name in names {
        let settings = store.org_settings(&name).await?.unwrap_or_default();
        orgs.push((name, settings));
    }
    Ok(Orgs::new(orgs))
}
