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
mod group;
mod history;
mod holds;
mod insight;
mod invalid_recipients;
mod json_rows;
mod message_retention;
mod notices;
mod operator;
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

/// Messages `prune_messages` looks at per write transaction.
pub use message_retention::BATCH as MESSAGE_PRUNE_BATCH;

use crate::InvalidRecipientSource;
use crate::{AdminToken, DataDirLock};
use crate::{
    Alert, AlertId, AlertObservation, AlertSettings, AlertStateFilter, Enqueued, NewNotification,
    ObservedAlert, OutboxEntry, OutboxRetry,
};
use crate::{
    AuditEntry, ClaimedMessage, MessageFilter, NewMessage, NextHopHold, OwedReport,
    PendingRecipient, RecipientUpdate, Result, Schedule, Store, StoreError, StoredMessage,
    WaitingCount, WaitingCursor,
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

#[async_trait]
impl Store for SqliteStore {
    async fn accept_message(&self, message: NewMessage) -> Result<()> {
        self.writer.accept(message).await
    }

    async fn message(&self, id: MessageId) -> Result<Option<StoredMessage>> {
        reads::message(&mut *self.read().await?, id).await
    }

    async fn body(&self, id: MessageId) -> Result<Option<Vec<u8>>> {
        reads::body(&mut *self.read().await?, &self.spool, id).await
    }

    async fn bodies(&self, ids: &[MessageId]) -> Result<HashMap<MessageId, Vec<u8>>> {
        reads::bodies(&mut *self.read().await?, &self.spool, ids).await
    }

    async fn stored_bodies(&self, ids: &[MessageId]) -> Result<HashMap<MessageId, StoredBody>> {
        reads::stored_bodies(&mut *self.read().await?, &self.reads, &self.spool, ids).await
    }

    async fn list_messages(&self, filter: &MessageFilter) -> Result<Vec<StoredMessage>> {
        reads::list_messages(&mut *self.read().await?, filter).await
    }

    async fn schedule(&self, now: OffsetDateTime, max_count: u64) -> Result<Schedule> {
        due::schedule(&mut *self.read().await?, now, max_count).await
    }

    async fn claim(
        &self,
        next_hop: &str,
        now: OffsetDateTime,
        node: &str,
        lease: Duration,
        max_messages: usize,
    ) -> Result<Vec<ClaimedMessage>> {
        let lease = claim::Lease {
            node: node.to_string(),
            now,
            duration: lease,
        };
        let next_hop = next_hop.to_string();
        on_writer!(self, Durability::Relaxed, conn => claim::claim(conn, &next_hop, &lease, max_messages))
    }

    async fn record(&self, updates: Vec<RecipientUpdate>, events: Vec<Event>) -> Result<()> {
        if updates.is_empty() && events.is_empty() {
            return Ok(());
        }
        self.writer.record(updates, events).await
    }

    async fn next_wakeup(&self) -> Result<Option<OffsetDateTime>> {
        due::next_wakeup(&mut *self.read().await?).await
    }

    async fn next_expiry(&self) -> Result<Option<OffsetDateTime>> {
        due::next_expiry(&mut *self.read().await?).await
    }

    async fn hold_next_hop(&self, hold: NextHopHold) -> Result<()> {
        on_writer!(self, Durability::Relaxed, conn => holds::hold_next_hop(conn, &hold))
    }

    async fn release_next_hop(&self, next_hop: &str) -> Result<()> {
        let next_hop = next_hop.to_string();
        on_writer!(self, Durability::Relaxed, conn => holds::release_next_hop(conn, &next_hop))
    }

    async fn next_hop_hold(&self, next_hop: &str) -> Result<Option<NextHopHold>> {
        reads::next_hop_hold(&mut *self.read().await?, next_hop).await
    }

    async fn expired_messages(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredMessage>> {
        notices::expired_messages(&mut *self.read().await?, now, limit).await
    }

    async fn delay_notices_due(
        &self,
        received_before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredMessage>> {
        notices::delay_notices_due(&mut *self.read().await?, received_before, limit).await
    }

    async fn mark_delay_notice_sent(&self, id: MessageId) -> Result<()> {
        on_writer!(self, Durability::Relaxed, conn => notices::mark_delay_notice_sent(conn, id))
    }

    async fn reports_owed(
        &self,
        failed_before: OffsetDateTime,
        max_messages: usize,
    ) -> Result<Vec<OwedReport>> {
        reports_owed::reports_owed(&mut *self.read().await?, failed_before, max_messages).await
    }

    async fn oldest_report_owed(&self) -> Result<Option<OffsetDateTime>> {
        reports_owed::oldest_report_owed(&mut *self.read().await?).await
    }

    async fn reports_queued(&self, message_id: MessageId, indexes: &[u32]) -> Result<()> {
        let indexes = indexes.to_vec();
        on_writer!(self, Durability::Relaxed, conn => reports_owed::reports_queued(conn, message_id, &indexes))
    }

    async fn recover_in_flight(&self, node: &str, now: OffsetDateTime) -> Result<u64> {
        let node = node.to_string();
        on_writer!(self, Durability::Relaxed, conn => due::recover_in_flight(conn, &node, now))
    }

    async fn release_claims(
        &self,
        node: &str,
        claims: Vec<(MessageId, u32)>,
        now: OffsetDateTime,
        retry_at: OffsetDateTime,
    ) -> Result<u64> {
        let node = node.to_string();
        on_writer!(self, conn => due::release_claims(conn, &node, &claims, now, retry_at))
    }

    async fn retry_now(&self, next_hop: &str, now: OffsetDateTime) -> Result<u64> {
        let next_hop = next_hop.to_string();
        on_writer!(self, conn => holds::retry_now(conn, &next_hop, now))
    }

    async fn org_settings(&self, org: &str) -> Result<Option<OrgSettings>> {
        settings::org_settings(&mut *self.read().await?, org).await
    }

    async fn save_org_settings(&self, org: &str, settings: &OrgSettings) -> Result<()> {
        let (org, settings) = (org.to_string(), settings.clone());
        on_writer!(self, conn => settings::save_org_settings(conn, &org, &settings))
    }

    async fn events(&self, id: MessageId) -> Result<Vec<Event>> {
        reads::events(&mut *self.read_events().await?, id).await
    }

    async fn append_audit(&self, entry: AuditEntry) -> Result<u64> {
        on_writer!(self, conn => audit::append(conn, &entry))
    }

    async fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        audit::entries(&mut *self.read().await?, limit).await
    }

    async fn audit_entry(&self, id: u64) -> Result<Option<AuditEntry>> {
        audit::entry_by_id(&mut *self.read().await?, id).await
    }

    async fn mark_undone(&self, id: u64, at: OffsetDateTime) -> Result<bool> {
        on_writer!(self, conn => audit::mark_undone(conn, id, at))
    }

    async fn suspend_connector_queue(
        &self,
        org: &str,
        connector: &str,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        let (org, connector, actor) = (org.to_string(), connector.to_string(), actor.to_string());
        on_writer!(self, conn => operator::suspend(conn, &org, &connector, now, &actor))
    }

    async fn resume_connector_queue(
        &self,
        org: &str,
        connector: &str,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        let (org, connector, actor) = (org.to_string(), connector.to_string(), actor.to_string());
        on_writer!(self, conn => operator::resume(conn, &org, &connector, now, &actor))
    }

    async fn retry_connector_now(
        &self,
        org: &str,
        connector: &str,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        let (org, connector, actor) = (org.to_string(), connector.to_string(), actor.to_string());
        on_writer!(self, conn => operator::retry_now(conn, &org, &connector, now, &actor))
    }

    async fn waiting_counts(&self, org: &str) -> Result<Vec<WaitingCount>> {
        operator::waiting_counts(&mut *self.read().await?, org).await
    }

    async fn waiting_addresses(
        &self,
        org: &str,
        connector: &str,
        domain: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>> {
        let mut conn = self.read().await?;
        waiting_addresses::waiting_addresses(&mut conn, org, connector, domain, after, limit).await
    }

    async fn waiting_to(
        &self,
        org: &str,
        connector: &str,
        domain: &str,
        addresses: &[String],
    ) -> Result<u64> {
        let mut conn = self.read().await?;
        waiting_addresses::waiting_to(&mut conn, org, connector, domain, addresses).await
    }

    async fn waiting_recipients(
        &self,
        org: &str,
        connector: &str,
        after: Option<WaitingCursor>,
        limit: usize,
    ) -> Result<Vec<PendingRecipient>> {
        operator::waiting_recipients(&mut *self.read().await?, org, connector, after, limit).await
    }

    async fn select_pending(
        &self,
        selection: &QueueSelection,
        after: Option<MessageId>,
        max_messages: usize,
    ) -> Result<Vec<SelectedMessage>> {
        let conn = &mut *self.read().await?;
        queue_selection::select_pending(conn, selection, after, max_messages).await
    }

    async fn act_on_recipients(
        &self,
        action: QueueAction,
        recipients: &[(MessageId, u32)],
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64> {
        let (recipients, actor) = (recipients.to_vec(), actor.to_string());
        on_writer!(self, conn => queue_actions::act(conn, action, &recipients, now, &actor))
    }

    async fn queue_stats(&self, org: &str) -> Result<Vec<ConnectorQueueStats>> {
        insight::queue_stats(&mut *self.read().await?, org).await
    }

    async fn queued_older_than(
        &self,
        org: &str,
        connector: Option<&str>,
        cutoff: OffsetDateTime,
    ) -> Result<u64> {
        insight::queued_older_than(&mut *self.read().await?, org, connector, cutoff).await
    }

    async fn delivery_stats(
        &self,
        org: &str,
        connector: Option<&str>,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<DeliveryStats> {
        insight::delivery_stats(
            &mut *self.read_events().await?,
            org,
            connector,
            since,
            until,
        )
        .await
    }

    async fn last_attempt(&self, org: &str, connector: Option<&str>) -> Result<Option<Event>> {
        insight::last_attempt(&mut *self.read_events().await?, org, connector).await
    }

    async fn trace(&self, filter: &TraceFilter) -> Result<Vec<TracedMessage>> {
        trace::trace(&mut *self.read_events().await?, filter).await
    }

    async fn save_history(&self, buckets: Vec<HistoryBucket>) -> Result<()> {
        on_writer!(self, Durability::Relaxed, conn => history::save_history(conn, &buckets))
    }

    async fn history(
        &self,
        org: &str,
        connector: Option<&str>,
        since: OffsetDateTime,
    ) -> Result<Vec<HistoryBucket>> {
        history::history(&mut *self.read().await?, org, connector, since).await
    }

    async fn prune_events(&self, before: OffsetDateTime) -> Result<u64> {
        // The events waiting in the writer's log are pruned too.
        self.writer.flush_events().await?;
        on_writer!(self, Durability::Relaxed, conn => history::prune_events(conn, before))
    }

    async fn prune_messages(&self, before: OffsetDateTime) -> Result<u64> {
        // One batch per job: accepts queue behind a batch, not the whole pass.
        let mut deleted = 0;
        let mut from = message_retention::Cursor::START;
        loop {
            let batch = on_writer!(self, Durability::Relaxed, conn => {
                message_retention::prune_batch(conn, before, from, message_retention::BATCH)
            })?;
            deleted += batch.deleted;
            match batch.next {
                Some(next) => from = next,
                None => return Ok(deleted),
            }
        }
    }

    async fn prune_history(&self, before: OffsetDateTime) -> Result<u64> {
        on_writer!(self, Durability::Relaxed, conn => history::prune_history(conn, before))
    }

    async fn alert_settings(&self, org: &str) -> Result<Option<AlertSettings>> {
        alerts::alert_settings(&mut *self.read().await?, org).await
    }

    async fn save_alert_settings(&self, org: &str, settings: &AlertSettings) -> Result<()> {
        let (org, settings) = (org.to_string(), settings.clone());
        on_writer!(self, conn => alerts::save_alert_settings(conn, &org, &settings))
    }

    async fn observe_alert(&self, observation: AlertObservation) -> Result<ObservedAlert> {
        on_writer!(self, conn => alerts::observe(conn, &observation))
    }

    async fn resolve_alerts(
        &self,
        org: &str,
        connector: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<Vec<Alert>> {
        let (org, connector) = (org.to_string(), connector.map(str::to_string));
        on_writer!(self, conn => alerts::resolve(conn, &org, connector.as_deref(), at))
    }

    async fn acknowledge_alert(
        &self,
        id: AlertId,
        actor: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Alert>> {
        let actor = actor.to_string();
        on_writer!(self, conn => alerts::acknowledge(conn, id, &actor, at))
    }

    async fn alert(&self, id: AlertId) -> Result<Option<Alert>> {
        alerts::alert(&mut *self.read().await?, id).await
    }

    async fn list_alerts(&self, org: &str, state: AlertStateFilter) -> Result<Vec<Alert>> {
        alerts::list(&mut *self.read().await?, org, state).await
    }

    async fn enqueue_notifications(
        &self,
        org: &str,
        cap: u32,
        notifications: Vec<NewNotification>,
        at: OffsetDateTime,
    ) -> Result<Enqueued> {
        let org = org.to_string();
        on_writer!(self, conn => alert_outbox::enqueue(conn, &org, cap, &notifications, at))
    }

    async fn due_notifications(
        &self,
        org: &str,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>> {
        alert_outbox::due(&mut *self.read().await?, org, now, limit).await
    }

    async fn next_notification_at(&self, org: &str) -> Result<Option<OffsetDateTime>> {
        alert_outbox::next_due(&mut *self.read().await?, org).await
    }

    async fn notification_delivered(&self, id: i64, at: OffsetDateTime) -> Result<()> {
        on_writer!(self, conn => alert_outbox::delivered(conn, id, at))
    }

    async fn notification_failed(
        &self,
        id: i64,
        reason: &str,
        retry: OutboxRetry,
        at: OffsetDateTime,
    ) -> Result<()> {
        let reason = reason.to_string();
        on_writer!(self, conn => alert_outbox::failed(conn, id, &reason, &retry, at))
    }

    async fn alert_notifications(&self, alert_id: AlertId) -> Result<Vec<OutboxEntry>> {
        alert_outbox::of_alert(&mut *self.read().await?, alert_id).await
    }

    async fn resolve_alert(&self, id: AlertId, at: OffsetDateTime) -> Result<Option<Alert>> {
        on_writer!(self, conn => invalid_recipients::resolve_alert(conn, id, at))
    }

    async fn record_invalid_recipient(
        &self,
        org: &str,
        client: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        let (org, client) = (org.to_string(), client.to_string());
        on_writer!(self, conn => invalid_recipients::record(conn, &org, &client, at))
    }

    async fn invalid_recipients_since(
        &self,
        org: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<InvalidRecipientSource>> {
        invalid_recipients::since(&mut *self.read().await?, org, since).await
    }

    async fn prune_invalid_recipients(&self, before: OffsetDateTime) -> Result<u64> {
        on_writer!(self, conn => invalid_recipients::prune(conn, before))
    }

    async fn save_submission_user(&self, org: &str, name: &str, password_hash: &str) -> Result<()> {
        let (org, name, hash) = (org.to_string(), name.to_string(), password_hash.to_string());
        on_writer!(self, conn => submission_users::save(conn, &org, &name, &hash))
    }

    async fn submission_user_hash(&self, org: &str, name: &str) -> Result<Option<String>> {
        submission_users::password_hash(&mut *self.read().await?, org, name).await
    }

    async fn submission_users(&self, org: &str) -> Result<Vec<String>> {
        submission_users::names(&mut *self.read().await?, org).await
    }

    async fn remove_submission_user(&self, org: &str, name: &str) -> Result<bool> {
        let (org, name) = (org.to_string(), name.to_string());
        on_writer!(self, conn => submission_users::remove(conn, &org, &name))
    }

    async fn create_admin_token(&self, token: AdminToken) -> Result<bool> {
        on_writer!(self, conn => admin_tokens::create(conn, &token))
    }

    async fn admin_tokens(&self) -> Result<Vec<AdminToken>> {
        admin_tokens::list(&mut *self.read().await?).await
    }

    async fn admin_token_by_digest(&self, digest: &str) -> Result<Option<AdminToken>> {
        admin_tokens::by_digest(&mut *self.read().await?, digest).await
    }

    async fn revoke_admin_token(&self, name: &str) -> Result<bool> {
        let name = name.to_string();
        on_writer!(self, conn => admin_tokens::revoke(conn, &name))
    }

    async fn admin_token_used(&self, name: &str, at: OffsetDateTime) -> Result<()> {
        let name = name.to_string();
        on_writer!(self, Durability::Relaxed, conn => admin_tokens::used(conn, &name, at))
    }
}
