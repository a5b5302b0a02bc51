//! The store a node runs on: the embedded one in its data directory, or
//! the PostgreSQL database the nodes of its cluster share (`[store] url`).
//! Either way the data directory keeps the node's own files (its lock, the
//! admin token, a generated certificate, the seed fingerprints).

use crate::config::SharedStoreConfig;
use mailflow_store::{
    DataDirLock, PostgresOptions, PostgresStore, SharedStore, SqliteOptions, SqliteStore,
    StoreError,
};
use std::sync::Arc;

pub enum OpenedStore {
    Embedded(Arc<SqliteStore>),
    Shared {
        store: Arc<PostgresStore>,
        /// The data directory stays this process's while it runs.
        _lock: DataDirLock,
    },
}

impl OpenedStore {
    /// The embedded store in the locked data directory.
    pub async fn embedded(lock: DataDirLock) -> Result<OpenedStore, StoreError> {
        let store = SqliteStore::open_locked(lock, SqliteOptions::default()).await?;
        Ok(OpenedStore::Embedded(Arc::new(store)))
    }

    /// The cluster's database, its schema brought up to date.
    pub async fn shared(
        config: &SharedStoreConfig,
        lock: DataDirLock,
    ) -> Result<OpenedStore, StoreError> {
        let options = PostgresOptions {
            max_connections: config.max_connections,
            ..PostgresOptions::default()
        };
        let store = PostgresStore::connect(&config.url, options).await?;
        Ok(OpenedStore::Shared {
            store: Arc::new(store),
            _lock: lock,
        })
    }

    pub fn store(&self) -> SharedStore {
        match self {
            OpenedStore::Embedded(store) => store.clone(),
            OpenedStore::Shared { store, .. } => store.clone(),
        }
    }

    /// Closes the store once nothing else holds it (a store still in use
    /// closes in the background when its last user lets go).
    pub async fn close(self) {
        match self {
            OpenedStore::Embedded(store) => match Arc::try_unwrap(store) {
                Ok(store) => {
                    if let Err(error) = store.close().await {
                        tracing::error!(%error, "closing the store failed");
                    }
                }
                Err(_) => tracing::warn!("the store is still in use; it closes in the background"),
            },
            OpenedStore::Shared { store, _lock } => {
                if let Ok(store) = Arc::try_unwrap(store) {
                    store.close().await;
                }
                drop(_lock);
            }
        }
    }
}
