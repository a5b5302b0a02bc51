//! Making commits durable off the writer's path.
//!
//! The write connection commits with `synchronous=NORMAL`: a commit returns
//! once its pages are written to the write-ahead log (in the operating
//! system's cache), without waiting for the disk. Whoever must not hear
//! "done" before the disk has it — an accepted message's `250`, an
//! operator's change — is answered by the syncer instead: it `fdatasync`s
//! the log file and then answers every commit handed to it before that call
//! began. While the disk works, the writer goes on with the next group, and
//! the commits made meanwhile share the next sync.
//!
//! This is as durable as `synchronous=FULL`: a commit's frames are written
//! to the log before its `COMMIT` returns, and `fdatasync` on the file
//! flushes every write made to it before the call. With `NORMAL`, SQLite
//! still syncs the log before a checkpoint copies it into the database file,
//! and syncs the database file before the log is written over from its
//! start, so a synced commit survives a power loss in one file or the other.
//! A commit is visible to readers before it is synced, so the relay may
//! deliver a message a moment before its `250` is said; if the sync then
//! fails the client hears an error, retries, and the message may arrive
//! twice — never is a `250` said for a message the disk does not hold.

use crate::{Result, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Makes everything written so far to the log durable.
pub type SyncLog = Arc<dyn Fn() -> std::io::Result<()> + Send + Sync>;

/// Tells a waiting caller how its write ended, once the sync did.
pub type Answer = Box<dyn FnOnce(Result<()>) + Send>;

/// `fdatasync` of the database's write-ahead log, `<file>-wal`. The file is
/// opened for each sync, so the sync always reaches the file SQLite writes.
pub fn sync_log_of(database: &Path) -> SyncLog {
    let mut log = database.as_os_str().to_owned();
    log.push("-wal");
    let log = PathBuf::from(log);
    Arc::new(move || std::fs::File::open(&log)?.sync_data())
}

/// The handle the writer keeps; the task ends once it is dropped and every
/// answer handed to it is given.
pub struct Syncer {
    answers: mpsc::UnboundedSender<Vec<Answer>>,
}

impl Syncer {
    pub fn start(sync: SyncLog) -> (Syncer, JoinHandle<()>) {
        let (answers, waiting) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(waiting, sync));
        (Syncer { answers }, task)
    }

    /// Gives `answers` once everything committed so far is on disk.
    pub fn after_sync(&self, answers: Vec<Answer>) {
        if answers.is_empty() {
            return;
        }
        if let Err(unsent) = self.answers.send(answers) {
            // The task is gone (a panic): nobody may hear "done".
            for answer in unsent.0 {
                answer(Err(StoreError::Closed));
            }
        }
    }
}

async fn run(mut waiting: mpsc::UnboundedReceiver<Vec<Answer>>, sync: SyncLog) {
    let mut batches = Vec::new();
    while waiting.recv_many(&mut batches, usize::MAX).await > 0 {
        // Everything taken here was committed before this sync begins.
        let sync = sync.clone();
        let synced = tokio::task::spawn_blocking(move || sync())
            .await
            .unwrap_or_else(|panic| Err(std::io::Error::other(panic.to_string())));
        if let Err(error) = &synced {
            tracing::error!(%error, "could not sync the store's log to disk; the writes waiting for it are refused");
        }
        for answer in batches.drain(..).flatten() {
            answer(match &synced {
                Ok(()) => Ok(()),
                Err(error) => Err(StoreError::Io(std::io::Error::new(
                    error.kind(),
                    error.to_string(),
                ))),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use tokio::sync::oneshot;

    /// A sync that waits for the test's go, and counts the syncs.
    struct Gate {
        go: Mutex<std::sync::mpsc::Receiver<std::io::Result<()>>>,
        started: std::sync::mpsc::Sender<()>,
    }

    fn gated() -> (
        SyncLog,
        std::sync::mpsc::Sender<std::io::Result<()>>,
        std::sync::mpsc::Receiver<()>,
    ) {
        let (go, gate) = std::sync::mpsc::channel();
        let (started, syncs) = std::sync::mpsc::channel();
        let gate = Gate {
            go: Mutex::new(gate),
            started,
        };
        let sync: SyncLog = Arc::new(move || {
            let _ = gate.started.send(());
            gate.go.lock().unwrap().recv().unwrap()
        });
        (sync, go, syncs)
    }

    fn answer() -> (Answer, oneshot::Receiver<Result<()>>) {
        let (tell, told) = oneshot::channel();
        let answer: Answer = Box::new(move |result| {
            let _ = tell.send(result);
        });
        (answer, told)
    }

    #[tokio::test]
    async fn answers_wait_for_a_sync_begun_after_them_and_share_it() {
        let (sync, go, syncs) = gated();
        let syncs = Arc::new(Mutex::new(syncs));
        let sync_begun = || {
            let syncs = syncs.clone();
            tokio::task::spawn_blocking(move || syncs.lock().unwrap().recv().unwrap())
        };
        let (syncer, task) = Syncer::start(sync);
        let (first, mut first_told) = answer();
        syncer.after_sync(vec![first]);
        sync_begun().await.unwrap();
        // Two more commits come while the first sync runs.
        let (second, mut second_told) = answer();
        let (third, third_told) = answer();
        syncer.after_sync(vec![second]);
        syncer.after_sync(vec![third]);
        assert!(first_told.try_recv().is_err(), "not before its sync ends");
        go.send(Ok(())).unwrap();
        first_told.await.unwrap().unwrap();
        // Those two wait for the next sync, and share it.
        sync_begun().await.unwrap();
        assert!(
            second_told.try_recv().is_err(),
            "not by the sync begun before it"
        );
        go.send(Ok(())).unwrap();
        second_told.await.unwrap().unwrap();
        third_told.await.unwrap().unwrap();
        drop(syncer);
        task.await.unwrap();
        assert!(
            syncs.lock().unwrap().try_recv().is_err(),
            "two syncs for three commits"
        );
    }

    #[tokio::test]
    async fn a_failed_sync_refuses_the_writes_that_waited_for_it() {
        let (sync, go, _syncs) = gated();
        let (syncer, task) = Syncer::start(sync);
        let (waiting, told) = answer();
        syncer.after_sync(vec![waiting]);
        go.send(Err(std::io::Error::other("disk gone"))).unwrap();
        assert!(matches!(told.await.unwrap(), Err(StoreError::Io(_))));
        drop(syncer);
        task.await.unwrap();
    }

    #[tokio::test]
    async fn the_log_of_a_database_is_synced_by_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("t.db");
        let sync = sync_log_of(&database);
        assert!(sync().is_err(), "no log yet");
        std::fs::write(dir.path().join("t.db-wal"), b"frames").unwrap();
        sync().unwrap();
    }
}
