//! What other nodes changed, heard through PostgreSQL's `LISTEN/NOTIFY`.
//!
//! A node that accepts mail, gives claims back, retries a next hop or
//! saves settings says so with `pg_notify` in the same transaction; the
//! notice reaches every node listening when it commits. Each node keeps
//! one connection listening and counts the notices per channel; the relay
//! wakes its scheduler on a queue notice and reads the settings again on a
//! settings notice. Notices are lost while the listening connection is
//! down, so a lost connection counts as a notice on every channel, and the
//! relay also looks at its own schedule: a missed notice delays work, it
//! never strands it.

use crate::StoreChanges;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Mail became due sooner than a node may think: accepted, released,
/// retried, resumed.
pub const QUEUE_CHANNEL: &str = "mailflow_queue";
/// An organisation's settings were saved (the payload names it).
pub const SETTINGS_CHANNEL: &str = "mailflow_settings";

/// The wait after a failure to listen, before trying again.
const RETRY: Duration = Duration::from_secs(1);

/// Starts listening on `pool`'s server; the task runs until aborted.
pub fn listen(pool: PgPool) -> (StoreChanges, JoinHandle<()>) {
    let (queue, queue_changes) = watch::channel(0u64);
    let (settings, settings_changes) = watch::channel(0u64);
    let task = tokio::spawn(async move {
        let bump = |counter: &watch::Sender<u64>| counter.send_modify(|n| *n += 1);
        let mut listener: Option<PgListener> = None;
        loop {
            let current = match listener.as_mut() {
                Some(listener) => listener,
                None => match connect(&pool).await {
                    Ok(connected) => listener.insert(connected),
                    Err(error) => {
                        tracing::warn!(%error, "cannot listen for other nodes' changes; trying again");
                        tokio::time::sleep(RETRY).await;
                        continue;
                    }
                },
            };
            match current.try_recv().await {
                Ok(Some(notice)) if notice.channel() == QUEUE_CHANNEL => bump(&queue),
                Ok(Some(_)) => bump(&settings),
                // The connection was lost (it reconnects at the next call):
                // whatever was said meanwhile is unheard.
                Ok(None) => {
                    bump(&queue);
                    bump(&settings);
                }
                Err(error) => {
                    tracing::warn!(%error, "listening for other nodes' changes failed; listening again");
                    listener = None;
                    bump(&queue);
                    bump(&settings);
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
    });
    let changes = StoreChanges {
        queue: queue_changes,
        settings: settings_changes,
    };
    (changes, task)
}

async fn connect(pool: &PgPool) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener
        .listen_all([QUEUE_CHANNEL, SETTINGS_CHANNEL])
        .await?;
    Ok(listener)
}

/// Says, at the commit of the transaction on `conn`, that mail became due.
pub async fn queue_changed(conn: &mut sqlx::PgConnection) -> crate::Result<()> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(QUEUE_CHANNEL)
        .execute(conn)
        .await?;
    Ok(())
}
