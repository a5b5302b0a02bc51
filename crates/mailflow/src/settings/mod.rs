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

use crate::queue::ClientError;

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
