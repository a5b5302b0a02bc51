//! Group commit on the shared database: accepted messages and outcome
//! records that arrive together are written in one transaction.
//!
//! A few workers share one queue of requests. A worker takes every request
//! waiting (up to a bound), writes them in one transaction (see `accept`
//! and `record`) and answers each only after the commit; while it commits,
//! the next worker gathers the next batch. So a busy node pays one commit
//! — one WAL flush on the server — for many messages, and an idle one
//! commits each message at once.
//!
//! A batch that fails is written again request by request, so that one bad
//! request fails alone; a database that cannot be reached or is full fails
//! the whole batch at once (trying each alone would only wait longer).

use super::{accept, record};
use crate::postgres::{changes, transaction};
use crate::{DatabaseFailure, NewMessage, RecipientUpdate, Result, StoreError};
use mailflow_core::Event;
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Workers committing at the same time: one gathers while others commit.
const WORKERS: usize = 4;
/// Requests in one transaction at most.
const MAX_BATCH: usize = 256;

enum Request {
    Accept(NewMessage, oneshot::Sender<Result<()>>),
    Record(
        Vec<RecipientUpdate>,
        Vec<Event>,
        oneshot::Sender<Result<()>>,
    ),
}

impl Request {
    fn answer(self, result: Result<()>) {
        // The caller may have gone away; what committed stays committed.
        let _ = match self {
            Request::Accept(message, answer) => {
                // The message's bytes are gone before its sender hears, so
                // the memory the sender reserved for them is given back
                // only once they are.
                drop(message);
                answer.send(result)
            }
            Request::Record(_, _, answer) => answer.send(result),
        };
    }
}

/// The handle the store keeps; the workers stop once it is dropped.
pub struct Batcher {
    requests: mpsc::Sender<Request>,
}

impl Batcher {
    pub fn start(pool: PgPool) -> Batcher {
        let (requests, receiver) = mpsc::channel(MAX_BATCH * 4);
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..WORKERS {
            tokio::spawn(work(pool.clone(), receiver.clone()));
        }
        Batcher { requests }
    }

    /// Returns once `message` is committed, or with the reason it is not.
    pub async fn accept(&self, message: NewMessage) -> Result<()> {
        let (answer, answered) = oneshot::channel();
        self.send(Request::Accept(message, answer)).await?;
        answered.await.map_err(|_| StoreError::Closed)?
    }

    /// Returns once the outcomes and their events are committed.
    pub async fn record(&self, updates: Vec<RecipientUpdate>, events: Vec<Event>) -> Result<()> {
        let (answer, answered) = oneshot::channel();
        self.send(Request::Record(updates, events, answer)).await?;
        answered.await.map_err(|_| StoreError::Closed)?
    }

    async fn send(&self, request: Request) -> Result<()> {
        self.requests
            .send(request)
            .await
            .map_err(|_| StoreError::Closed)
    }
}

async fn work(pool: PgPool, receiver: Arc<Mutex<mpsc::Receiver<Request>>>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        let taken = receiver.lock().await.recv_many(&mut batch, MAX_BATCH).await;
        if taken == 0 {
            return;
        }
        commit(&pool, std::mem::take(&mut batch)).await;
    }
}

async fn commit(pool: &PgPool, batch: Vec<Request>) {
    match write(pool, &batch).await {
        Ok(()) => batch.into_iter().for_each(|request| request.answer(Ok(()))),
        Err(error) if batch.len() > 1 && !fails_every_request(&error) => {
            tracing::warn!(%error, requests = batch.len(), "group commit failed; committing one by one");
            for request in batch {
                let result = write(pool, std::slice::from_ref(&request)).await;
                request.answer(result);
            }
        }
        Err(error) => {
            for request in batch {
                request.answer(Err(error.again()));
            }
        }
    }
}

/// Failures that would meet every request of the batch alike.
fn fails_every_request(error: &StoreError) -> bool {
    match error {
        StoreError::Full(_) | StoreError::Closed => true,
        StoreError::Database(error) => error.failure() == DatabaseFailure::Unreachable,
        _ => false,
    }
}

/// One transaction: the messages, then the outcomes.
async fn write(pool: &PgPool, batch: &[Request]) -> Result<()> {
    let mut messages = Vec::new();
    let mut updates = Vec::new();
    let mut events = Vec::new();
    for request in batch {
        match request {
            Request::Accept(message, _) => messages.push(message),
            Request::Record(u, e, _) => {
                updates.extend(u);
                events.extend(e);
            }
        }
    }
    transaction::write!(pool, conn => async {
        if !messages.is_empty() {
            accept::insert(conn, &messages).await?;
            changes::queue_changed(conn).await?;
        }
        if !updates.is_empty() || !events.is_empty() {
            record::record(conn, &updates, &events).await?;
        }
        Ok::<(), StoreError>(())
    })
}
