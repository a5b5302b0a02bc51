use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The store cannot take more (disk full): new mail gets `452 4.3.1`.
    #[error("the store is full: {0}")]
    Full(String),
    #[error("store error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("store I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Another process holds the data directory (see `DataDirLock`).
    #[error(transparent)]
    Locked(#[from] crate::data_dir_lock::LockError),
    /// The store's writer has stopped (the store is shutting down).
    #[error("the store is closed")]
    Closed,
}
