use std::fmt;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The store cannot take more (disk full): new mail gets `452 4.3.1`.
    #[error("the store is full: {0}")]
    Full(String),
    #[error("store error: {0}")]
    Database(DatabaseError),
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
    /// Another node holds what this change needs (the settings, while it
    /// changes them): nothing was changed; try again.
    #[error("{0}")]
    Busy(String),
    /// The database's schema cannot be used by this mailflow (written by a
    /// newer version, or a migration failed).
    #[error("{0}")]
    Schema(String),
}

/// A failure of the database itself, whichever back end met it. Opaque:
/// callers act on what kind of failure it was, people read its message,
/// and nothing outside the store depends on the database driver.
#[derive(Debug)]
pub struct DatabaseError {
    failure: DatabaseFailure,
    /// What the store was doing, for people (e.g. which server it tried).
    context: Option<String>,
    /// The database ran out of space (only a write turns this into
    /// `StoreError::Full`: a read that meets it is an ordinary failure).
    out_of_space: bool,
    source: Box<dyn std::error::Error + Send + Sync>,
}

/// What kind of database failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseFailure {
    /// The database could not be reached or stopped answering (a pool that
    /// timed out, a dropped connection): worth trying again shortly.
    Unreachable,
    /// A row with the same key is there already.
    Duplicate,
    /// The transaction met a concurrent one (a deadlock, or a serialization
    /// failure) and was rolled back: running it again is the cure.
    Conflict,
    Other,
}

impl DatabaseError {
    /// The database could not be reached while doing `context`.
    pub(crate) fn unreachable(
        context: String,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> StoreError {
        StoreError::Database(DatabaseError {
            failure: DatabaseFailure::Unreachable,
            context: Some(context),
            out_of_space: false,
            source: Box::new(source),
        })
    }

    pub fn failure(&self) -> DatabaseFailure {
        self.failure
    }

    pub(crate) fn out_of_space(&self) -> bool {
        self.out_of_space
    }
}

impl fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.context {
            Some(context) => write!(f, "{context}: {}", self.source),
            None => self.source.fmt(f),
        }
    }
}

impl std::error::Error for DatabaseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// The back ends' `?` on the driver's results; the driver's error goes no
/// further than `DatabaseError`'s source.
#[doc(hidden)]
impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        let failure = match &error {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => DatabaseFailure::Unreachable,
            sqlx::Error::Database(db) if db.is_unique_violation() => DatabaseFailure::Duplicate,
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("40P01" | "40001")) =>
            {
                DatabaseFailure::Conflict
            }
            // A PostgreSQL server shutting down or restarting (57P01-03),
            // or a broken connection (class 08): back in a moment.
            sqlx::Error::Database(db)
                if db
                    .code()
                    .is_some_and(|code| code.starts_with("57P") || code.starts_with("08")) =>
            {
                DatabaseFailure::Unreachable
            }
            _ => DatabaseFailure::Other,
        };
        StoreError::Database(DatabaseError {
            failure,
            context: None,
            out_of_space: crate::sqlite::is_out_of_space(&error)
                || crate::postgres::is_out_of_space(&error),
            source: Box::new(error),
        })
    }
}

/// Re-reads the database errors of a write: running out of space is
/// `Full`, so that the receiver answers `452 4.3.1` rather than `451`.
pub(crate) fn on_write<T>(result: crate::Result<T>) -> crate::Result<T> {
    result.map_err(|error| match error {
        StoreError::Database(error) if error.out_of_space() => StoreError::Full(error.to_string()),
        other => other,
    })
}

impl StoreError {
    /// The same failure again, for each request of a batch that failed
    /// together (the source is kept as its message).
    pub(crate) fn again(&self) -> StoreError {
        match self {
            StoreError::Full(reason) => StoreError::Full(reason.clone()),
            StoreError::Closed => StoreError::Closed,
            StoreError::Schema(reason) => StoreError::Schema(reason.clone()),
            StoreError::Busy(reason) => StoreError::Busy(reason.clone()),
            StoreError::Corrupt(reason) => StoreError::Corrupt(reason.clone()),
            StoreError::Database(error) => StoreError::Database(DatabaseError {
                failure: error.failure,
                context: error.context.clone(),
                out_of_space: error.out_of_space,
                source: error.source.to_string().into(),
            }),
            other => StoreError::Io(std::io::Error::other(other.to_string())),
        }
    }
}
