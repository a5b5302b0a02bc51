//! The writer: one task that owns the only write connection.
//!
//! SQLite allows one writer at a time. Giving every write to one task means
//! the store never meets `SQLITE_BUSY` from itself, and a write runs to its
//! end even when its caller has gone away (a cancelled future never leaves
//! a transaction open).
//!
//! Accepted messages and outcome records get group commit: the task takes
//! every request waiting (up to a bound) and commits runs of accepts and
//! records in one transaction (see `group`); records that come alone wait
//! a moment (`RECORDS_WAIT`) for accepts to share it. Other writes (claims,
//! holds, settings) are jobs run one at a time in their own transaction, in
//! arrival order with the groups.
//!
//! Durability is per write. Every transaction commits with
//! `synchronous=NORMAL`, so none waits for the disk on the writer's path.
//! Accepts, and jobs that an operator is told are done (`Synced`), are
//! answered only once the syncer has made their commit durable (see
//! `syncer`), one `fdatasync` for every commit made while the one before
//! ran. The relay's own bookkeeping — claims, holds, outcome records
//! (`Relaxed`) — is answered at once: it survives the process being killed
//! (the data is in the operating system's cache) and is made durable by the
//! next sync; only a power loss in between can undo it, which means a
//! message delivered twice or a claim taken again, never an accepted message
//! lost.

use super::accept::AcceptRequest;
use super::failure::on_write;
use super::group::commit_group;
use super::record::RecordRequest;
use super::syncer::{Answer, SyncLog, Syncer};
use crate::{NewMessage, RecipientUpdate, Result, StoreError};
use mailflow_core::Event;
use sqlx::{Connection, SqliteConnection};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// A write to run on the connection; it returns how to answer its caller.
type Job = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxedWrite<'c, Answer> + Send>;

/// The future of a write borrowing the connection.
pub type BoxedWrite<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

enum WriteRequest {
    Accept(AcceptRequest),
    Record(RecordRequest),
    Job(Job, Durability),
}

/// Whether a write's caller waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Answered once the commit is on disk (see `syncer`).
    Synced,
    /// Answered at the commit: survives a killed process, made durable by
    /// the next sync.
    Relaxed,
}

/// The handle the store keeps; the task stops once it is dropped.
pub struct Writer {
    requests: mpsc::Sender<WriteRequest>,
    commits: Arc<AtomicU64>,
}

impl Writer {
    /// Starts the writer task on `conn`, committing up to `max_batch`
    /// accepted messages per transaction and making commits durable with
    /// `sync` (see `syncer::sync_log_of`).
    pub fn start(
        conn: SqliteConnection,
        max_batch: usize,
        sync: SyncLog,
    ) -> (Writer, JoinHandle<()>) {
        let max_batch = max_batch.max(1);
        let (requests, receiver) = mpsc::channel(max_batch * 4);
        let commits = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(run(conn, receiver, max_batch, commits.clone(), sync));
        (Writer { requests, commits }, task)
    }

    /// Returns once `message` is committed and on disk, or with the reason
    /// it is not.
    pub async fn accept(&self, message: NewMessage) -> Result<()> {
        let (answer, answered) = oneshot::channel();
        let request = WriteRequest::Accept(AcceptRequest { message, answer });
        self.requests
            .send(request)
            .await
            .map_err(|_| StoreError::Closed)?;
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
        self.requests
            .send(request)
            .await
            .map_err(|_| StoreError::Closed)?;
        answered.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `write` on the write connection and returns its result (once on
    /// disk when `Synced`); a full disk is `StoreError::Full`.
    pub async fn run<T, W>(&self, durability: Durability, write: W) -> Result<T>
    where
        T: Send + 'static,
        W: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxedWrite<'c, Result<T>> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                let written = on_write(write(conn).await);
                let answer: Answer = Box::new(move |synced| {
                    let _ = answer.send(synced.and(written));
                });
                answer
            })
        });
        self.requests
            .send(WriteRequest::Job(job, durability))
            .await
            .map_err(|_| StoreError::Closed)?;
        answered.await.map_err(|_| StoreError::Closed)?
    }

    /// Group commits so far: transactions that carried accepted messages,
    /// outcome records or both.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}

async fn run(
    mut conn: SqliteConnection,
    mut receiver: mpsc::Receiver<WriteRequest>,
    max_batch: usize,
    commits: Arc<AtomicU64>,
    sync: SyncLog,
) {
    let (syncer, syncer_task) = Syncer::start(sync);
    let mut requests = Vec::with_capacity(max_batch);
    let mut group = Group::default();
    let mut waited = false;
    loop {
        let received = if group.records_only() {
            waited = true;
            let more = receiver.recv_many(&mut requests, max_batch);
            match tokio::time::timeout(RECORDS_WAIT, more).await {
                Ok(count) => count,
                Err(_) => {
                    std::mem::take(&mut group)
                        .commit(&mut conn, &syncer, &commits)
                        .await;
                    waited = false;
                    continue;
                }
            }
        } else {
            receiver.recv_many(&mut requests, max_batch).await
        };
        if received == 0 {
            break;
        }
        for request in requests.drain(..) {
            match request {
                WriteRequest::Accept(accept) => group.accepts.push(accept),
                WriteRequest::Record(record) => group.records.push(record),
                WriteRequest::Job(job, durability) => {
                    std::mem::take(&mut group)
                        .commit(&mut conn, &syncer, &commits)
                        .await;
                    let answer = job(&mut conn).await;
                    match durability {
                        Durability::Synced => syncer.after_sync(vec![answer]),
                        Durability::Relaxed => answer(Ok(())),
                    }
                }
            }
        }
        if group.records_only() && !waited {
            continue;
        }
        std::mem::take(&mut group)
            .commit(&mut conn, &syncer, &commits)
            .await;
        waited = false;
    }
    // The channel is closed: what is left is written, and synced, before
    // the end.
    group.commit(&mut conn, &syncer, &commits).await;
    drop(syncer);
    if syncer_task.await.is_err() {
        tracing::error!("the store's syncer stopped before the writer");
    }
    if let Err(error) = conn.close().await {
        tracing::warn!(%error, "closing the store's write connection");
    }
}

/// How long outcome records with no accepts beside them wait for some to
/// arrive and share their commit. Under load accepts come every few
/// milliseconds; a record's caller (the hop worker recording deliveries as
/// they come) goes on delivering meanwhile.
const RECORDS_WAIT: std::time::Duration = std::time::Duration::from_millis(2);

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

    /// Commits; the accepts are answered once the syncer has their commit
    /// on disk.
    async fn commit(self, conn: &mut SqliteConnection, syncer: &Syncer, commits: &AtomicU64) {
        if self.accepts.is_empty() && self.records.is_empty() {
            return;
        }
        let committed = commit_group(conn, self.accepts, self.records, commits).await;
        syncer.after_sync(committed);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support;
    use super::*;

    /// A writer on a new store in `dir` whose commits are synced for real.
    async fn start_in(dir: &tempfile::TempDir) -> (Writer, JoinHandle<()>) {
        let conn = test_support::open_writer_in(dir).await;
        let sync = super::super::syncer::sync_log_of(&dir.path().join("t.db"));
        Writer::start(conn, 8, sync)
    }

    /// A sync that waits until `go` says so.
    fn gated() -> (SyncLog, std::sync::mpsc::Sender<()>) {
        let (go, gate) = std::sync::mpsc::channel::<()>();
        let gate = std::sync::Mutex::new(gate);
        let sync: SyncLog = Arc::new(move || {
            let _ = gate.lock().unwrap().recv();
            Ok(())
        });
        (sync, go)
    }

    fn relaxed_job(writer: &Writer) -> impl Future<Output = Result<i64>> + '_ {
        writer.run(Durability::Relaxed, |conn| {
            Box::pin(async move { Ok(sqlx::query_scalar("SELECT 1").fetch_one(conn).await?) })
        })
    }

    #[tokio::test]
    async fn accepts_and_synced_jobs_wait_for_the_disk_while_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let conn = test_support::open_writer_in(&dir).await;
        let (sync, go) = gated();
        let (writer, task) = Writer::start(conn, 8, sync);
        let writer = Arc::new(writer);
        let accepting = {
            let writer = writer.clone();
            tokio::spawn(async move { writer.accept(new_message()).await })
        };
        let synced_job = {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .run(Durability::Synced, |_| Box::pin(async { Ok(7) }))
                    .await
            })
        };
        // Relaxed writes are committed and answered meanwhile: the writer
        // does not wait for the disk.
        for _ in 0..3 {
            assert_eq!(relaxed_job(&writer).await.unwrap(), 1);
        }
        assert_eq!(writer.commits(), 1, "the accept is committed");
        assert!(!accepting.is_finished(), "but not answered before its sync");
        assert!(!synced_job.is_finished());
        for _ in 0..2 {
            go.send(()).unwrap();
        }
        accepting.await.unwrap().unwrap();
        assert_eq!(synced_job.await.unwrap().unwrap(), 7);
        drop(go);
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
        let (writer, task) = start_in(&dir).await;
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
}
