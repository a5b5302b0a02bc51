//! How a CLI command that changes a node's state reaches it: through the
//! running node's admin API when a node holds the data directory, or
//! straight to the store when none runs — then under the same lock a node
//! takes, so that a node started meanwhile waits for nothing and loses
//! nothing (see `mailflow_store::DataDirLock`).

use crate::cli::ApiArgs;
use crate::config::{Config, ConfigError};
use crate::queue::{ApiClient, ClientError};
use clap::Args;
use mailflow_store::{DataDirLock, LockError, SqliteOptions, SqliteStore, StoreError};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

/// Where the node is: its config file (for the data directory and the
/// admin API's address), and how to reach its API.
#[derive(Debug, Clone, Args)]
pub struct NodeArgs {
    /// The node's config file; without it, the embedded defaults.
    #[arg(long, short, global = true)]
    pub config: Option<PathBuf>,
    /// The admin API's base URL, when the node runs; default: the one the
    /// node wrote into its data directory's lock file (else the config's
    /// `admin.listen`).
    #[arg(long, env = "MAILFLOW_API", global = true)]
    pub api: Option<String>,
    /// The bearer token; default: the node's generated token in <data dir>/admin-token.
    #[arg(long, env = "MAILFLOW_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// The node's data directory; default: the config's `store.path`.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Api(#[from] ClientError),
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error("cannot use the store in {path}: {source}", path = path.display())]
    Store { path: PathBuf, source: StoreError },
}

/// The node, reached one way or the other.
pub enum Access {
    /// A node runs: its API, which puts every change in force at once.
    Api(ApiClient),
    /// No node runs: its store, locked until `close`.
    Offline { store: SqliteStore, org: String },
}

impl Access {
    /// Reaches the node `args` names.
    pub async fn open(args: &NodeArgs) -> Result<Access, AccessError> {
        let config = match &args.config {
            Some(path) => Config::load(path)?,
            None => Config::embedded_defaults(),
        };
        let data_dir = args.data_dir.clone().unwrap_or(config.store_path);
        let store_error = |source| AccessError::Store {
            path: data_dir.clone(),
            source,
        };
        if let Some(holder) = DataDirLock::holder(&data_dir)? {
            let api = ApiArgs {
                api: args
                    .api
                    .clone()
                    .or(holder.api)
                    .unwrap_or_else(|| api_url(config.admin.listen)),
                token: args.token.clone(),
                data_dir: data_dir.clone(),
                org: None,
            };
            return Ok(Access::Api(ApiClient::new(&api)?));
        }
        mailflow_store::private_files::create_dir_all(&data_dir)
            .map_err(|e| store_error(StoreError::Io(e)))?;
        let lock = DataDirLock::acquire(&data_dir)?;
        let store = SqliteStore::open_locked(lock, SqliteOptions::default())
            .await
            .map_err(store_error)?;
        Ok(Access::Offline {
            store,
            org: config.node.org,
        })
    }

    /// Closes the store (and so frees the data directory) when offline.
    pub async fn close(self) -> Result<(), AccessError> {
        match self {
            Access::Api(_) => Ok(()),
            Access::Offline { store, .. } => {
                let path = store.path().to_path_buf();
                store
                    .close()
                    .await
                    .map_err(|source| AccessError::Store { path, source })
            }
        }
    }
}

/// The API's URL on an address the node listens on: a wildcard address
/// is reached on loopback.
fn api_url(listen: SocketAddr) -> String {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, listen.port()))
}

/// A client for the settings commands: the running node's API when a node
/// holds the data directory; without one, the same API served by this
/// process on loopback over the store, under the data directory's lock
/// (settings, users and tokens only: queue and fix actions need a node).
/// A data directory without a store gets the plain client, whose error
/// says that no node answers.
pub async fn settings_client(args: &ApiArgs) -> Result<ApiClient, ClientError> {
    serve_here_without_a_node(args)
        .await
        .map_err(|error| match error {
            AccessError::Api(error) => error,
            other => ClientError::DataDir(other.to_string()),
        })
}

async fn serve_here_without_a_node(args: &ApiArgs) -> Result<ApiClient, AccessError> {
    let store_file = args.data_dir.join(SqliteStore::FILE_NAME);
    if DataDirLock::holder(&args.data_dir)?.is_some() || !store_file.exists() {
        return Ok(ApiClient::new(args)?);
    }
    let org = crate::queue::org_header(args.org.as_deref())?;
    let lock = DataDirLock::acquire(&args.data_dir)?;
    let store = SqliteStore::open_locked(lock, SqliteOptions::default())
        .await
        .map_err(|source| AccessError::Store {
            path: args.data_dir.clone(),
            source,
        })?;
    let token = mailflow_admin::new_token();
    let app = mailflow_admin::router(mailflow_admin::AdminState {
        store: std::sync::Arc::new(store),
        token_digests: vec![mailflow_admin::TokenDigest::of(&token)],
        clock: std::sync::Arc::new(mailflow_core::SystemClock),
        node: Default::default(),
        own_org: Some(crate::config::DEFAULT_ORG.to_string()),
    });
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .map_err(|e| AccessError::Store {
            path: args.data_dir.clone(),
            source: StoreError::Io(e),
        })?;
    let base = format!(
        "http://{}",
        listener.local_addr().map_err(|e| AccessError::Store {
            path: args.data_dir.clone(),
            source: StoreError::Io(e),
        })?
    );
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(mailflow_admin::serve(
        listener,
        app,
        mailflow_admin::ServeLimits::default(),
        stop.clone(),
    ));
    Ok(ApiClient::at(
        &base,
        token,
        org,
        Some(Box::new(stop.drop_guard())),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_listen_address_is_reached_on_loopback() {
        let url = |text: &str| api_url(text.parse().unwrap());
        assert_eq!(url("0.0.0.0:8025"), "http://127.0.0.1:8025");
        assert_eq!(url("[::]:8025"), "http://[::1]:8025");
        assert_eq!(url("127.0.0.2:9000"), "http://127.0.0.2:9000");
    }
}
