//! The events of group commits, written in batches of their own.
//!
//! Events are a log the trace and the insights read; nothing in the queue
//! depends on them. Written inside every group commit they cost about an
//! eighth of the node's CPU (three rows per message, four B-trees each,
//! and those trees' last pages once per commit). So the writer keeps the events of the
//! groups it committed in memory and writes them in one transaction once
//! the oldest has waited `EVENTS_WAIT` (or `MAX_WAITING` are waiting),
//! under `synchronous=NORMAL` as the relay's other bookkeeping.
//!
//! A read of events first asks the writer to write what waits (see
//! `Writer::flush_events`), so a trace or an insight read after a write
//! sees that write's events. What the log can lose is what waited when the
//! process died: at most `EVENTS_WAIT` of events, never a message or an
//! outcome.

use super::events::{INSERT_EVENTS, events_json};
use super::transaction::send_in_one_trip;
use mailflow_core::Event;
use sqlx::SqliteConnection;
use std::sync::LazyLock;
use std::time::Duration;
use tokio::time::Instant;

/// How long the first event of a batch waits for others to join it, and so
/// what a killed process can lose. Waiting 100 ms instead saved no CPU or
/// throughput that could be measured (docs/benchmarks.md, "Events in
/// batches of their own").
pub const EVENTS_WAIT: Duration = Duration::from_millis(20);

/// Events waiting past which the batch is written without waiting longer.
const MAX_WAITING: usize = 8192;

/// Events kept while they cannot be written (a full disk), before the
/// oldest are dropped: memory stays bounded whatever the disk does.
const MAX_KEPT: usize = 16 * MAX_WAITING;

/// After a failed write the next try waits this long, and after each
/// further failure twice as long, up to `MAX_RETRY_WAIT`: a full disk is
/// not tried again in a loop, nor a large batch serialized ten times a
/// second.
const FIRST_RETRY_WAIT: Duration = Duration::from_millis(200);
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

static WRITE_EVENTS: LazyLock<String> =
    LazyLock::new(|| format!("BEGIN IMMEDIATE; {INSERT_EVENTS}; COMMIT"));

/// The events waiting to be written, oldest first.
#[derive(Default)]
pub struct EventLog {
    waiting: Vec<Event>,
    /// When the oldest waiting event came, or the last write failed.
    since: Option<Instant>,
    /// Writes failed in a row.
    failures: u32,
    /// Events dropped since the writes began to fail.
    dropped: usize,
}

impl EventLog {
    /// Adds the events of a committed write.
    pub fn add(&mut self, events: impl IntoIterator<Item = Event>) {
        let before = self.waiting.len();
        self.waiting.extend(events);
        if self.since.is_none() && self.waiting.len() > before {
            self.since = Some(Instant::now());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// When the waiting events are to be written, if any wait.
    pub fn due_at(&self) -> Option<Instant> {
        if self.failures == 0 && self.waiting.len() >= MAX_WAITING {
            return Some(Instant::now());
        }
        self.since.map(|since| since + self.wait())
    }

    fn wait(&self) -> Duration {
        match self.failures {
            0 => EVENTS_WAIT,
            failures => FIRST_RETRY_WAIT
                .saturating_mul(1 << (failures - 1).min(16))
                .min(MAX_RETRY_WAIT),
        }
    }

    #[cfg(test)]
    pub fn waiting(&self) -> &[Event] {
        &self.waiting
    }

    pub fn is_due(&self) -> bool {
        self.due_at().is_some_and(|at| at <= Instant::now())
    }

    /// Writes every waiting event in one transaction, whether due or not,
    /// unless an earlier write failed and the wait after it is not over.
    /// When the write fails the events stay for the next try, up to
    /// `MAX_KEPT`.
    pub async fn write(&mut self, conn: &mut SqliteConnection) {
        if self.failures > 0 && !self.is_due() {
            return;
        }
        self.write_now(conn).await;
    }

    /// Writes every waiting event, even while backing off after failed
    /// writes: the writer's last try before it stops.
    pub async fn write_now(&mut self, conn: &mut SqliteConnection) {
        if self.is_empty() {
            return;
        }
        let rows = events_json(&self.waiting);
        match send_in_one_trip(conn, sqlx::query(&WRITE_EVENTS).bind(rows)).await {
            Ok(_) => {
                if self.failures > 0 {
                    tracing::warn!(dropped = self.dropped, "events written again");
                }
                *self = EventLog::default();
            }
            Err(error) => {
                let dropped = self.waiting.len().saturating_sub(MAX_KEPT);
                self.waiting.drain(..dropped);
                self.dropped += dropped;
                self.failures += 1;
                self.since = Some(Instant::now());
                let waiting = self.waiting.len();
                // Said once per run of failures; the retries are quieter.
                if self.failures == 1 {
                    tracing::warn!(%error, waiting, "could not write the events; trying again later");
                } else {
                    tracing::debug!(%error, waiting, dropped = self.dropped, "could not write the events");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support;
    use super::*;
    use mailflow_core::{EventKind, MessageId};

    fn event() -> Event {
        Event {
            at: time::OffsetDateTime::now_utc(),
            message_id: MessageId::new(),
            recipient: None,
            next_hop: None,
            connector: None,
            kind: EventKind::DelayNoticeSent,
        }
    }

    async fn rows(conn: &mut SqliteConnection) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(conn)
            .await
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn events_are_due_once_the_first_has_waited() {
        let mut log = EventLog::default();
        assert_eq!(log.due_at(), None, "nothing waits");
        log.add([event()]);
        let first = Instant::now();
        tokio::time::advance(EVENTS_WAIT / 2).await;
        log.add([event(), event()]);
        assert_eq!(
            log.due_at(),
            Some(first + EVENTS_WAIT),
            "the first sets the time"
        );
        assert!(!log.is_due());
        tokio::time::advance(EVENTS_WAIT / 2).await;
        assert!(log.is_due());
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_batch_is_due_at_once() {
        let mut log = EventLog::default();
        log.add((0..MAX_WAITING - 1).map(|_| event()));
        assert!(!log.is_due());
        log.add([event()]);
        assert!(log.is_due());
    }

    #[tokio::test]
    async fn a_write_stores_every_waiting_event_and_empties_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = test_support::open_writer_in(&dir).await;
        let mut log = EventLog::default();
        log.add([event(), event(), event()]);
        log.write(&mut conn).await;
        assert_eq!(rows(&mut conn).await, 3);
        assert_eq!(log.due_at(), None);
        log.write(&mut conn).await;
        assert_eq!(rows(&mut conn).await, 3, "nothing written twice");
    }

    async fn execute(conn: &mut SqliteConnection, sql: &str) {
        sqlx::query(sql).execute(conn).await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn events_that_cannot_be_written_stay_for_the_next_try() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = test_support::open_writer_in(&dir).await;
        let mut log = EventLog::default();
        log.add([event(), event()]);
        execute(&mut conn, "ALTER TABLE events RENAME TO events_away").await;
        log.write(&mut conn).await;
        assert_eq!(log.waiting().len(), 2, "kept after the failure");
        assert!(log.due_at().is_some());

        execute(&mut conn, "ALTER TABLE events_away RENAME TO events").await;
        tokio::time::sleep(log.wait()).await;
        log.write(&mut conn).await;
        assert_eq!(rows(&mut conn).await, 2);
        assert!(log.waiting().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn after_failed_writes_the_next_try_waits_longer_and_longer() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = test_support::open_writer_in(&dir).await;
        let mut log = EventLog::default();
        // A full batch is due at once, but not once its write has failed.
        log.add((0..MAX_WAITING).map(|_| event()));
        assert!(log.is_due());
        execute(&mut conn, "ALTER TABLE events RENAME TO events_away").await;
        let mut waits = Vec::new();
        for _ in 0..9 {
            log.write(&mut conn).await;
            let due = log.due_at().unwrap();
            waits.push(due - Instant::now());
            // A write asked for before then (a flush) does not try.
            log.write(&mut conn).await;
            assert_eq!(log.due_at(), Some(due));
            tokio::time::sleep_until(due).await;
        }
        let ms = |n| Duration::from_millis(n);
        assert_eq!(
            waits,
            [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000].map(ms)
        );
        execute(&mut conn, "ALTER TABLE events_away RENAME TO events").await;
        log.write(&mut conn).await;
        assert_eq!(rows(&mut conn).await, MAX_WAITING as i64);
        assert_eq!(log.due_at(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_last_try_does_not_wait_for_the_back_off() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = test_support::open_writer_in(&dir).await;
        let mut log = EventLog::default();
        log.add([event()]);
        execute(&mut conn, "ALTER TABLE events RENAME TO events_away").await;
        log.write(&mut conn).await;
        execute(&mut conn, "ALTER TABLE events_away RENAME TO events").await;
        log.write(&mut conn).await;
        assert_eq!(rows(&mut conn).await, 0, "backing off");
        log.write_now(&mut conn).await;
        assert_eq!(rows(&mut conn).await, 1);
    }

    #[tokio::test]
    async fn past_the_bound_the_oldest_unwritten_events_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = test_support::open_writer_in(&dir).await;
        let mut log = EventLog::default();
        let events: Vec<Event> = (0..MAX_KEPT + 5).map(|_| event()).collect();
        let oldest_kept = events[5].message_id;
        log.add(events);
        execute(&mut conn, "ALTER TABLE events RENAME TO events_away").await;
        log.write(&mut conn).await;
        assert_eq!(log.waiting().len(), MAX_KEPT);
        assert_eq!(log.waiting()[0].message_id, oldest_kept);
    }
}
