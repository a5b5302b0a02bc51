//! The organisation's settings on a running node, through its admin API:
//! `mailflow connector list|show|add|edit|remove|enable|disable`,
//! `mailflow domain …`, `mailflow directory …`, and `mailflow apply` and
//! `mailflow export`, which read and write the config's own format. Every
//! change is recorded in the node's audit log under `cli:` and the local
//! user's name.

pub mod apply;
pub mod cli;
pub mod connector;
pub mod directory;
pub mod domain;
pub mod export;
mod render;

use crate::queue::{ApiClient, ClientError};
use mailflow_admin::OrgView;
use mailflow_core::org_check;

/// Why a settings command did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Api(#[from] ClientError),
    #[error(transparent)]
    File(#[from] crate::config::ConfigError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Refused(String),
}

/// After a change, what the settings now do that is probably not meant (an
/// authoritative domain with nobody in the directory, a domain carried only
/// by a disabled connector), on stderr as the config's warnings are.
pub(crate) async fn print_warnings(client: &ApiClient) {
    let Ok(view) = client.get_json::<OrgView>("/api/v1/org", &[]).await else {
        return;
    };
    let Ok(settings) = view.each_to_settings() else {
        return;
    };
    for warning in org_check::warnings(&settings) {
        eprintln!("warning: {}: {}", warning.field, warning.message);
    }
}
