//! The writer: one task that owns the only write connection.
//!
//! SQLite allows one writer at a time. Giving every write to one task means
//! the store never meets `SQLITE_BUSY` from itself, and a write runs to its
//! end even when its caller has gone away (a cancelled future never leaves
//! a transaction open).
//!
//! Accepted messages get group commit: the task takes every request waiting
//! (up to a bound) and commits runs of accepts in one transaction — one
//! fsync for many messages — answering each only after the commit. Other
//! writes (claims, outcomes, holds, settings) are jobs run one at a time in
//! their own transaction, in arrival order with the accepts.

use super::accept::{AcceptRequest, commit_accepts};
use super::failure::on_write;
use crate::{NewMessage, Result, StoreError};
use sqlx::{Connection, SqliteConnection};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// A write to run on the connection; it answers its caller itself.
type Job = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxedWrite<'c, ()> + Send>;

/// The future of a write borrowing the connection.
pub type BoxedWrite<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

enum WriteRequest {
    Accept(AcceptRequest),
    Job(Job),
}

/// The handle the store keeps; the task stops once it is dropped.
pub struct Writer {
    requests: mpsc::Sender<WriteRequest>,
    commits: Arc<AtomicU64>,
}

impl Writer {
    /// Starts the writer task on `conn`, committing up to `max_batch`
    /// accepted messages per transaction.
    pub fn start(conn: SqliteConnection, max_batch: usize) -> (Writer, JoinHandle<()>) {
        let max_batch = max_batch.max(1);
        let (requests, receiver) = mpsc::channel(max_batch * 4);
        let commits = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(run(conn, receiver, max_batch, commits.clone()));
        (Writer { requests, commits }, task)
    }

    /// Returns once `message` is committed, or with the reason it is not.
    pub async fn accept(&self, message: NewMessage) -> Result<()> {
        let (answer, answered) = oneshot::channel();
        let request = WriteRequest::Accept(AcceptRequest { message, answer });
        self.requests
            .send(request)
            .await
            .map_err(|_| StoreError::Closed)?;
        answered.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `write` on the write connection and returns its result; a full
    /// disk is `StoreError::Full`.
    pub async fn run<T, W>(&self, write: W) -> Result<T>
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
        self.requests
            .send(WriteRequest::Job(job))
            .await
            .map_err(|_| StoreError::Closed)?;
        answered.await.map_err(|_| StoreError::Closed)?
    }

    /// Transactions committed so far that carried accepted messages.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}

async fn run(
    mut conn: SqliteConnection,
    mut receiver: mpsc::Receiver<WriteRequest>,
    max_batch: usize,
    commits: Arc<AtomicU64>,
) {
    let mut requests = Vec::with_capacity(max_batch);
    while receiver.recv_many(&mut requests, max_batch).await > 0 {
        let mut accepts = Vec::new();
        for request in requests.drain(..) {
            match request {
                WriteRequest::Accept(accept) => accepts.push(accept),
                WriteRequest::Job(job) => {
                    commit_accepts(&mut conn, std::mem::take(&mut accepts), &commits).await;
                    job(&mut conn).await;
                }
            }
        }
        commit_accepts(&mut conn, accepts, &commits).await;
    }
    if let Err(error) = conn.close().await {
        tracing::warn!(%error, "closing the store's write connection");
    }
}
