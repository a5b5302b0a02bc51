//! The embedded back end: one SQLite file in the node's data directory.
//!
//! SQLite allows one writer at a time, so every write goes to one writer
//! task that owns the only write connection (see `writer`): accepted
//! messages and outcome records are group-committed there (see `group`),
//! sent to SQLite in one trip per transaction as statements that stay
//! prepared (`json_rows`), and the scheduler's and operator's other writes
//! run there one short transaction each. Reads use a separate pool of
//! read-only connections that, in WAL mode, never wait for the writer.
//!
//! Message bodies are not in the file: they are appended to the spool's
//! segment files beside it, synced before the commit that points at them
//! (see `spool`).
//!
//! The file is opened with `synchronous=FULL`: a commit returns after the
//! write-ahead log is fsync'd, which is what `250` promises. The relay's own
//! bookkeeping (claims, holds, records without accepts beside them) skips
//! that fsync; see `writer` for what that can and cannot cost.
//! Events are written after what they record, in batches of their own
//! (see `event_log`); a read of events waits for what is still to come.

mod accept;
mod admin_tokens;
mod alert_outbox;
mod alerts;
mod audit;
mod by_recipient;
mod claim;
mod codec;
mod due;
mod event_log;
mod events;
mod failure;
pub(crate) use failure::is_out_of_space;
mod group;
mod history;
mod holds;
mod insight;
mod invalid_recipients;
mod json_rows;
mod message_retention;
mod nodes;
mod notices;
mod operator;
mod organisations;
#[cfg(test)]
mod plans;
mod queue_actions;
mod queue_selection;
mod reads;
mod record;
mod reports_owed;
mod rows;
mod schema;
mod settings;
mod spool;
mod spool_rows;
mod submission_users;
#[cfg(test)]
mod test_support;
mod trace;
mod transaction;
mod waiting_addresses;
mod writer;

use crate::InvalidRecipientSource;
use crate::{AdminToken, DataDirLock};
use crate::{
    Alert, AlertId, AlertObservation, AlertSettings, AlertStateFilter, Enqueued, NewNotification,
    ObservedAlert, OutboxEntry, OutboxRetry,
};
use crate::{
    AuditEntry, ClaimedMessage, MessageFilter, NewMessage, NextHopHold, OwedReport,
    PendingRecipient, RecipientUpdate, Result, Schedule, StoreError, StoredMessage, WaitingCount,
    WaitingCursor,
};
use crate::{
    ConnectorQueueStats, DeliveryStats, HistoryBucket, StoredBody, TraceFilter, TracedMessage,
};
use crate::{QueueAction, QueueSelection, SelectedMessage};
use async_trait::async_trait;
use mailflow_core::{Event, MessageId, OrgSettings};
use spool::{SpoolReader, SpoolWriter};
use sqlx::SqlitePool;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::task::JoinHandle;
use writer::{Durability, Writer};

/// How the embedded store is opened.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Most messages committed in one group commit.
    pub max_batch: usize,
    /// Connections in the read pool.
    pub read_connections: u32,
    /// Caps the database file (rounded down to whole pages), and the body
    /// spool at as many bytes; past either, new messages are refused with
    /// `StoreError::Full`. `None`: the disk is the limit.
    pub max_size_bytes: Option<u64>,
    /// A spool segment takes appends until it is this long; segments are
    /// deleted whole, so this is what a finished message's body can keep
    /// on disk at most.
    pub spool_segment_bytes: u64,
    /// How often, at most, the writer looks for segments to delete, between
    /// two group commits, and how long a segment no waiting message needs
    /// is kept after it was first seen so (see `spool::GRACE`).
    pub spool_collect_every: Duration,
    pub spool_grace: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            max_batch: 256,
            read_connections: 4,
            max_size_bytes: None,
            spool_segment_bytes: 64 << 20,
            spool_collect_every: Duration::from_secs(10),
            spool_grace: spool::GRACE,
        }
    }
}

pub struct SqliteStore {
    path: PathBuf,
    writer: Writer,
    writer_task: JoinHandle<()>,
    reads: SqlitePool,
    spool: SpoolReader,
}

impl SqliteStore {
    /// The database file's name inside the data directory.
    pub const FILE_NAME: &'static str = "mailflow.db";

    /// Opens (creating if needed) the store in `dir`, with default options.
    pub async fn open(dir: &Path) -> Result<SqliteStore> {
        Self::open_with(dir, SqliteOptions::default()).await
    }

    /// Opens the store in `dir` after taking its lock: refused, having
    /// changed nothing, while another process holds the directory.
    pub async fn open_with(dir: &Path, options: SqliteOptions) -> Result<SqliteStore> {
        crate::private_files::create_dir_all(dir)?;
        let lock = DataDirLock::acquire(dir)?;
        Self::open_locked(lock, options).await
    }

    /// Opens the store in the directory `lock` holds (a caller that had to
    /// lock it earlier, to set up other files in it first). The store keeps
    /// the lock until its writer has stopped.
    pub async fn open_locked(lock: DataDirLock, options: SqliteOptions) -> Result<SqliteStore> {
        let dir = &lock.dir().to_path_buf();
        let path = dir.join(Self::FILE_NAME);
        // Made here, 0600, so that SQLite's -wal and -shm (which take the
        // database's mode) are private too.
        crate::private_files::create_if_missing(&path)?;
        let mut write_connection = schema::open_writer(&path, options.max_size_bytes).await?;
        let used = spool_rows::highest_segment(&mut write_connection).await?;
        let spool = SpoolWriter::open(
            dir,
            used,
            options.max_size_bytes,
            options.spool_segment_bytes,
        )?;
        let spool = Arc::new(Mutex::new(spool));
        // Nothing of this process reads a body yet: no grace needed.
        let now = tokio::time::Instant::now().into_std();
        spool_rows::collect(&mut write_connection, &spool, now, Duration::ZERO).await?;
        let reads = schema::open_read_pool(&path, options.read_connections).await?;
        let (writer, writer_task) = Writer::start(write_connection, spool, &options, lock);
        Ok(SqliteStore {
            path,
            writer,
            writer_task,
            reads,
            spool: SpoolReader::new(dir),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Group commits made since the store was opened: with many concurrent
    /// accepts, fewer than the messages accepted.
    pub fn commit_batches(&self) -> u64 {
        self.writer.commits()
    }

    /// Lets the writer finish what it was given and closes every connection.
    /// (Dropping the store does the same in the background.)
    pub async fn close(self) -> Result<()> {
        let SqliteStore {
            writer,
            writer_task,
            reads,
            ..
        } = self;
        drop(writer);
        writer_task.await.map_err(|_| StoreError::Closed)?;
        reads.close().await;
        Ok(())
    }

    async fn read(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        Ok(self.reads.acquire().await?)
    }

    /// A read connection for reading events, once the events of every
    /// write answered so far are written (they wait in the writer's event
    /// log; see `event_log`).
    async fn read_events(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        self.writer.flush_events().await?;
        self.read().await
    }
}

/// Runs one write as a job of the writer task:
/// `on_writer!(self, conn => module::write(conn, &value))` awaits the call
/// there, with `conn` the write connection and the values the trait method
/// moved in. Each writing trait method is then one line.
macro_rules! on_writer {
    ($store:expr, $conn:ident => $call:expr) => {
        on_writer!($store, Durability::Synced, $conn => $call)
    };
    ($store:expr, $durability:expr, $conn:ident => $call:expr) => {
        $store
            .writer
            .run($durability, move |$conn| Box::pin(async move { $call.await }))
            .await
    };
}

// After `on_writer!`, which they use.
mod role_alerts;
mod role_audit;
mod role_auth;
mod role_bodies;
mod role_cluster;
mod role_insight;
mod role_nodes;
mod role_operator;
mod role_queue;
mod role_settings;
