//! The writer: one task that owns the only write connection.
//!
//! SQLite allows one writer at a time. Giving every write to one task means
//! the store never meets `SQLITE_BUSY` from itself, and a write runs to its
//! end even when its caller has gone away (a cancelled future never leaves
//! a transaction open).
//!
//! Accepted messages and outcome records get group commit: the task takes
//! every request waiting (up to a bound) and commits runs of accepts and
//! records in one transaction — one fsync for many messages — answering
//! each only after the commit (see `group`); records that come alone wait
//! a moment (`RECORDS_WAIT`) for accepts to share it. Other writes (claims, holds,
//! settings) are jobs run one at a time in their own transaction, in
//! arrival order with the groups.
//!
//! The events of what the groups committed wait in the task's event log
//! and are written in batches of their own, between groups (see
//! `event_log`).
//!
//! Between groups, at most every ten seconds, the task also deletes the
//! spool segments no waiting message needs any more (see `spool`): asked
//! and done on this connection, no commit pointing into a segment can come
//! in between.
//!
//! Durability is per write. Accepts (and the records sharing their
//! transaction), and jobs that an operator is told are done, commit with
//! `synchronous=FULL` (the WAL is fsync'd). The relay's own bookkeeping —
//! claims, holds, records without accepts beside them — commits with
//! `synchronous=NORMAL`: it survives the process being killed (the data is
//! in the operating system's cache) and is made durable by the next FULL
//! commit; only a power loss in between can undo it, which means a message
//! delivered twice or a claim taken again, never an accepted message lost.
//! Skipping those fsyncs keeps them from delaying the `250`s waiting in the
//! same queue.

use super::accept::AcceptRequest;
use super::event_log::EventLog;
use super::failure::on_write;
use super::group::commit_group;
use super::record::RecordRequest;
use super::spool::SharedSpool;
use super::spool_rows;
use crate::metrics;
use crate::{DataDirLock, NewMessage, RecipientUpdate, Result, SqliteOptions, StoreError};
use mailflow_core::Event;
use sqlx::{Connection, SqliteConnection};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// A write to run on the connection; it answers its caller itself.
type Job = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxedWrite<'c, ()> + Send>;

/// The future of a write borrowing the connection.
pub type BoxedWrite<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

enum WriteRequest {
    Accept(AcceptRequest),
    Record(RecordRequest),
    Job(Job, Durability),
    /// Write the events that wait, then answer.
    FlushEvents(oneshot::Sender<()>),
}

/// Whether a write's commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync'd before the caller hears of it (`synchronous=FULL`).
    Synced,
    /// Survives a killed process; made durable by the next synced commit
    /// (`synchronous=NORMAL`).
    Relaxed,
}

/// The handle the store keeps; the task stops once it is dropped.
pub struct Writer {
    requests: mpsc::Sender<WriteRequest>,
    commits: Arc<AtomicU64>,
}

impl Writer {
    /// Starts the writer task on `conn`, committing up to `max_batch`
    /// accepted messages per transaction, their bodies in `spool`.
    pub fn start(
        conn: SqliteConnection,
        spool: SharedSpool,
        options: &SqliteOptions,
        lock: DataDirLock,
    ) -> (Writer, JoinHandle<()>) {
        let max_batch = options.max_batch.max(1);
        let (requests, receiver) = mpsc::channel(max_batch * 4);
        let commits = Arc::new(AtomicU64::new(0));
        let collector = Collector {
            spool,
            every: options.spool_collect_every,
            grace: options.spool_grace,
            last: Instant::now(),
        };
        let committed = commits.clone();
        let task = tokio::spawn(async move {
            run(conn, collector, receiver, max_batch, committed).await;
            // Only once nothing more is written may another process open
            // the directory (a dropped store's writer finishes in the
            // background).
            drop(lock);
        });
        (Writer { requests, commits }, task)
    }

    /// Returns once `message` is committed, or with the reason it is not.
    pub async fn accept(&self, message: NewMessage) -> Result<()> {
        let (answer, answered) = oneshot::channel();
        let request = WriteRequest::Accept(AcceptRequest { message, answer });
        self.send(request).await?;
        answered.await.map_err(|_| StoreError::Closed)?
    }

    /// Returns once the outcomes are committed (with the next group commit,
    /// see `group`), or with the reason they are not.
    pub async fn record(&self, updates: Vec<RecipientUpdate>, events: Vec<Event>) -> Result<()> {
        let (answer, answered) = oneshot::channel();
        let request = WriteRequest::Record(RecordRequest {
            updates,
            events,
            answer,
        });
        self.send(request).await?;
        answered.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `write` on the write connection and returns its result; a full
    /// disk is `StoreError::Full`.
    pub async fn run<T, W>(&self, durability: Durability, write: W) -> Result<T>
    where
        T: Send + 'static,
        W: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxedWrite<'c, Result<T>> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                let _ = answer.send(on_write(write(conn).await));
            })
        });
        self.send(WriteRequest::Job(job, durability)).await?;
        answered.await.map_err(|_| StoreError::Closed)?
    }

    /// Returns once the events of every write answered before the call
    /// are in the store (or could not be written; see `event_log`).
    pub async fn flush_events(&self) -> Result<()> {
        let (answer, answered) = oneshot::channel();
        self.send(WriteRequest::FlushEvents(answer)).await?;
        answered.await.map_err(|_| StoreError::Closed)
    }

    /// Hands `request` to the writer task, counted in its queue until the
    /// task takes it.
    async fn send(&self, request: WriteRequest) -> Result<()> {
        let joining = metrics::Joining::new();
        self.requests
            .send(request)
            .await
            .map_err(|_| StoreError::Closed)?;
        joining.sent();
        Ok(())
    }

    /// Group commits so far: transactions that carried accepted messages,
    /// outcome records or both.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}

async fn run(
    mut conn: SqliteConnection,
    mut collector: Collector,
    mut receiver: mpsc::Receiver<WriteRequest>,
    max_batch: usize,
    commits: Arc<AtomicU64>,
) {
    let mut requests = Vec::with_capacity(max_batch);
    let mut sync = SyncMode::default();
    let mut group = Group::default();
    let mut log = EventLog::default();
    let spool = collector.spool.clone();
    let mut waited = false;
    loop {
        let received = if group.records_only() {
            waited = true;
            let more = receiver.recv_many(&mut requests, max_batch);
            match tokio::time::timeout(RECORDS_WAIT, more).await {
                Ok(count) => count,
                Err(_) => {
                    std::mem::take(&mut group)
                        .commit(&mut conn, &spool, &mut log, &mut sync, &commits)
                        .await;
                    waited = false;
                    between_groups(&mut conn, &mut collector, &mut log, &mut sync).await;
                    continue;
                }
            }
        } else if let Some(due) = log.due_at() {
            let more = receiver.recv_many(&mut requests, max_batch);
            match tokio::time::timeout_at(due, more).await {
                Ok(count) => count,
                Err(_) => {
                    write_events(&mut conn, &mut log, &mut sync).await;
                    continue;
                }
            }
        } else {
            receiver.recv_many(&mut requests, max_batch).await
        };
        if received == 0 {
            break;
        }
        metrics::taken(received);
        for request in requests.drain(..) {
            match request {
                WriteRequest::Accept(accept) => group.accepts.push(accept),
                WriteRequest::Record(record) => group.records.push(record),
                WriteRequest::Job(job, durability) => {
                    std::mem::take(&mut group)
                        .commit(&mut conn, &spool, &mut log, &mut sync, &commits)
                        .await;
                    sync.set(&mut conn, durability).await;
                    job(&mut conn).await;
                }
                WriteRequest::FlushEvents(answer) => {
                    std::mem::take(&mut group)
                        .commit(&mut conn, &spool, &mut log, &mut sync, &commits)
                        .await;
                    write_events(&mut conn, &mut log, &mut sync).await;
                    let _ = answer.send(());
                }
            }
        }
        if group.records_only() && !waited {
            continue;
        }
        std::mem::take(&mut group)
            .commit(&mut conn, &spool, &mut log, &mut sync, &commits)
            .await;
        waited = false;
        between_groups(&mut conn, &mut collector, &mut log, &mut sync).await;
    }
    // The channel is closed: what is left is written before the end.
    group
        .commit(&mut conn, &spool, &mut log, &mut sync, &commits)
        .await;
    sync.set(&mut conn, Durability::Relaxed).await;
    log.write_now(&mut conn).await;
    if let Err(error) = conn.close().await {
        tracing::warn!(%error, "closing the store's write connection");
    }
}

/// The writer's housekeeping after a group: the events, once due, and the
/// spool.
async fn between_groups(
    conn: &mut SqliteConnection,
    collector: &mut Collector,
    log: &mut EventLog,
    sync: &mut SyncMode,
) {
    if log.is_due() {
        write_events(conn, log, sync).await;
    }
    collector.collect_if_due(conn).await;
}

/// Events are bookkeeping: written under `synchronous=NORMAL`.
async fn write_events(conn: &mut SqliteConnection, log: &mut EventLog, sync: &mut SyncMode) {
    if log.is_empty() {
        return;
    }
    sync.set(conn, Durability::Relaxed).await;
    log.write(conn).await;
}

/// Deletes the spool segments no waiting message needs (see `spool`), at
/// most every `every`, between two groups. An idle node keeps its last
/// segments until it writes again or restarts (opening the store collects
/// too).
struct Collector {
    spool: SharedSpool,
    every: Duration,
    grace: Duration,
    last: Instant,
}

impl Collector {
    async fn collect_if_due(&mut self, conn: &mut SqliteConnection) {
        let now = Instant::now();
        if now.saturating_duration_since(self.last) < self.every {
            return;
        }
        self.last = now;
        match spool_rows::collect(conn, &self.spool, now, self.grace).await {
            Ok(0) => {}
            Ok(deleted) => tracing::debug!(deleted, "spool segments deleted"),
            Err(error) => tracing::warn!(%error, "could not delete the unused spool segments"),
        }
    }
}

/// How long outcome records with no accepts beside them wait for some to
/// arrive and share their commit. Under load accepts come every few
/// milliseconds; a record's caller (the hop worker recording deliveries as
/// they come) goes on delivering meanwhile.
const RECORDS_WAIT: Duration = Duration::from_millis(2);

/// Accepts and records waiting for one group commit (see `group`).
#[derive(Default)]
struct Group {
    accepts: Vec<AcceptRequest>,
    records: Vec<RecordRequest>,
}

impl Group {
    fn records_only(&self) -> bool {
        self.accepts.is_empty() && !self.records.is_empty()
    }

    async fn commit(
        self,
        conn: &mut SqliteConnection,
        spool: &SharedSpool,
        log: &mut EventLog,
        sync: &mut SyncMode,
        commits: &AtomicU64,
    ) {
        if self.accepts.is_empty() && self.records.is_empty() {
            return;
        }
        let with_accepts = !self.accepts.is_empty();
        if !with_accepts {
            sync.set(conn, Durability::Relaxed).await;
        }
        let started = Instant::now();
        let set_back = commit_group(conn, spool, self.accepts, self.records, log, commits).await;
        metrics::committed(started.elapsed());
        if with_accepts {
            sync.after_accepts(set_back);
        }
    }
}

/// The connection's `synchronous` setting, changed only between
/// transactions and only when the next job needs another one. Accepts set
/// `FULL` for their own transaction and `NORMAL` after it, in the same trip
/// (see `accept`), so the relay's bookkeeping that follows them needs no
/// trip of its own to relax the setting again.
struct SyncMode {
    /// `None` when a failed write left it unknown.
    current: Option<Durability>,
}

impl Default for SyncMode {
    /// The connection opens with `synchronous=FULL` (see `schema`).
    fn default() -> Self {
        SyncMode {
            current: Some(Durability::Synced),
        }
    }
}

impl SyncMode {
    async fn set(&mut self, conn: &mut SqliteConnection, wanted: Durability) {
        if self.current == Some(wanted) {
            return;
        }
        let pragma = match wanted {
            Durability::Synced => "PRAGMA synchronous = FULL",
            Durability::Relaxed => "PRAGMA synchronous = NORMAL",
        };
        match sqlx::query(pragma).execute(&mut *conn).await {
            Ok(_) => self.current = Some(wanted),
            // Asked again before the next job: at worst a write is synced
            // that need not be.
            Err(error) => {
                self.current = None;
                tracing::warn!(%error, pragma, "could not change the store's sync mode");
            }
        }
    }

    /// Accepts ran; `set_back` says whether their last trip ended with
    /// `NORMAL` (it stops at a failed statement).
    fn after_accepts(&mut self, set_back: bool) {
        self.current = set_back.then_some(Durability::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support;
    use super::*;

    fn batches_of(max_batch: usize) -> SqliteOptions {
        SqliteOptions {
            max_batch,
            ..SqliteOptions::default()
        }
    }

    /// The number `sql` gives, read by a job under `durability`.
    async fn number_read_by_a_job(
        writer: &Writer,
        durability: Durability,
        sql: &'static str,
    ) -> i64 {
        writer
            .run(durability, move |conn| {
                Box::pin(async move { Ok(sqlx::query_scalar(sql).fetch_one(conn).await?) })
            })
            .await
            .unwrap()
    }

    /// The `synchronous` setting a job runs under (1 = NORMAL, 2 = FULL).
    async fn sync_seen_by(writer: &Writer, durability: Durability) -> i64 {
        number_read_by_a_job(writer, durability, "PRAGMA synchronous").await
    }

    #[tokio::test]
    async fn each_job_runs_under_the_sync_mode_its_durability_asks_for() {
        let dir = tempfile::tempdir().unwrap();
        let conn = test_support::open_writer_in(&dir).await;
        let (writer, task) = Writer::start(
            conn,
            test_support::spool_in(&dir),
            &batches_of(8),
            DataDirLock::acquire(dir.path()).unwrap(),
        );
        assert_eq!(sync_seen_by(&writer, Durability::Synced).await, 2);
        assert_eq!(sync_seen_by(&writer, Durability::Relaxed).await, 1);
        assert_eq!(sync_seen_by(&writer, Durability::Relaxed).await, 1);
        assert_eq!(
            sync_seen_by(&writer, Durability::Synced).await,
            2,
            "a synced write after relaxed ones is synced again"
        );
        drop(writer);
        task.await.unwrap();
    }

    fn new_message() -> NewMessage {
        let now = time::OffsetDateTime::now_utc();
        test_support::message(mailflow_core::MessageId::new(), now, Vec::new())
    }

    fn event(message: &NewMessage) -> Event {
        Event {
            at: message.received_at,
            message_id: message.id,
            recipient: None,
            next_hop: None,
            connector: None,
            kind: mailflow_core::EventKind::DelayNoticeSent,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_record_waits_for_accepts_to_share_their_commit_and_alone_is_written_anyway() {
        let dir = tempfile::tempdir().unwrap();
        let conn = test_support::open_writer_in(&dir).await;
        let (writer, task) = Writer::start(
            conn,
            test_support::spool_in(&dir),
            &batches_of(8),
            DataDirLock::acquire(dir.path()).unwrap(),
        );
        let writer = Arc::new(writer);
        let first = new_message();
        writer.accept(first.clone()).await.unwrap();

        let before = writer.commits();
        let recording = {
            let writer = writer.clone();
            let events = vec![event(&first)];
            tokio::spawn(async move { writer.record(Vec::new(), events).await })
        };
        // Let the writer take the record and start waiting.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        writer.accept(new_message()).await.unwrap();
        recording.await.unwrap().unwrap();
        assert_eq!(
            writer.commits() - before,
            1,
            "one commit for the record and the accept"
        );

        // With no accept coming, the record is written after the wait.
        let before = writer.commits();
        writer
            .record(Vec::new(), vec![event(&first)])
            .await
            .unwrap();
        assert_eq!(writer.commits() - before, 1);
        drop(writer);
        task.await.unwrap();
    }

    /// The events in the table, counted by a job: it neither asks for nor
    /// waits for the event log to be written.
    async fn events_written(writer: &Writer) -> i64 {
        number_read_by_a_job(writer, Durability::Relaxed, "SELECT COUNT(*) FROM events").await
    }

    #[tokio::test(start_paused = true)]
    async fn events_wait_in_the_log_and_are_written_once_the_first_has_waited() {
        let dir = tempfile::tempdir().unwrap();
        let conn = test_support::open_writer_in(&dir).await;
        let (writer, task) = Writer::start(
            conn,
            test_support::spool_in(&dir),
            &batches_of(8),
            DataDirLock::acquire(dir.path()).unwrap(),
        );
        writer.accept(new_message()).await.unwrap();
        assert_eq!(events_written(&writer).await, 0, "the received event waits");
        // Past the wait; the writer's timer is the earlier one.
        tokio::time::sleep(super::super::event_log::EVENTS_WAIT + Duration::from_millis(1)).await;
        assert_eq!(events_written(&writer).await, 1);
        drop(writer);
        task.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_flush_writes_the_waiting_events_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let conn = test_support::open_writer_in(&dir).await;
        let (writer, task) = Writer::start(
            conn,
            test_support::spool_in(&dir),
            &batches_of(8),
            DataDirLock::acquire(dir.path()).unwrap(),
        );
        let message = new_message();
        writer.accept(message.clone()).await.unwrap();
        writer
            .record(Vec::new(), vec![event(&message)])
            .await
            .unwrap();
        let asked = tokio::time::Instant::now();
        writer.flush_events().await.unwrap();
        assert_eq!(asked.elapsed(), Duration::ZERO, "no wait for the batch");
        assert_eq!(events_written(&writer).await, 2);
        drop(writer);
        task.await.unwrap();
    }

    #[tokio::test]
    async fn the_events_still_waiting_are_written_when_the_writer_stops() {
        let dir = tempfile::tempdir().unwrap();
        let conn = test_support::open_writer_in(&dir).await;
        let (writer, task) = Writer::start(
            conn,
            test_support::spool_in(&dir),
            &batches_of(8),
            DataDirLock::acquire(dir.path()).unwrap(),
        );
        writer.accept(new_message()).await.unwrap();
        drop(writer);
        task.await.unwrap();
        let mut conn = test_support::open_writer_in(&dir).await;
        let written: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(written, 1);
    }

    #[tokio::test]
    async fn jobs_after_an_accept_run_under_their_own_sync_mode() {
        let dir = tempfile::tempdir().unwrap();
        let conn = test_support::open_writer_in(&dir).await;
        let (writer, task) = Writer::start(
            conn,
            test_support::spool_in(&dir),
            &batches_of(8),
            DataDirLock::acquire(dir.path()).unwrap(),
        );
        for durability in [Durability::Synced, Durability::Relaxed] {
            writer.accept(new_message()).await.unwrap();
            let expected = if durability == Durability::Synced {
                2
            } else {
                1
            };
            assert_eq!(
                sync_seen_by(&writer, durability).await,
                expected,
                "a {durability:?} job right after an accept"
            );
        }
        drop(writer);
        task.await.unwrap();
    }
}
