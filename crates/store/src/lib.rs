//! mailflow's durable state behind one trait.
//!
//! The queue is the only thing the rooms of the relay share (as in Postfix):
//! the receiver writes messages into it, the scheduler claims due recipients
//! from it and records their outcomes, the admin API reads it. `Store` is the
//! contract; `SqliteStore` is the embedded back end that `mailflow serve`
//! uses by default. A PostgreSQL back end for several nodes implements the
//! same trait: claims carry a node name and a lease for that reason.

mod admin_token;
pub mod alert_check;
mod alert_model;
mod data_dir_lock;
mod error;
mod insight;
pub mod metrics;
mod model;
mod operator;
pub mod private_files;
mod queue_ops;
mod sqlite;
mod stored_body;

pub use admin_token::{AdminToken, TokenScope};
pub use alert_model::InvalidRecipientSource;
pub use alert_model::{
    Alert, AlertId, AlertObservation, AlertRule, AlertRuleOverrides, AlertRules, AlertSettings,
    AlertStateFilter, AlertValues, Enqueued, NewNotification, NotificationChannel, ObservedAlert,
    OutboxEntry, OutboxRetry,
};
pub use data_dir_lock::{DataDirLock, Holder, LOCK_FILE, LockError};
pub use error::StoreError;
pub use insight::{DeliveryStats, HistoryBucket, TraceFilter, TracedMessage};
pub use model::ConnectorQueueStats;
pub use model::{
    ClaimedMessage, ClaimedRecipient, DueNextHop, LastError, MessageCursor, MessageFilter,
    NewMessage, NewRecipient, NextHopHold, OwedReport, RecipientUpdate, Schedule, StoredMessage,
    StoredRecipient,
};
pub use operator::{AuditEntry, PendingRecipient, WaitingCount, WaitingCursor};
pub use queue_ops::{ConnectorChoice, QueueAction, QueueSelection, SelectedMessage};
pub use sqlite::{MESSAGE_PRUNE_BATCH, SqliteOptions, SqliteStore};
pub use stored_body::{BodyReader, StoredBody};

use async_trait::async_trait;
use mailflow_core::{Event, MessageId, OrgSettings};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

pub type Result<T> = std::result::Result<T, StoreError>;

/// The durable state of a mailflow node (or of several nodes sharing one database).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    // --- receiving -------------------------------------------------------

    /// Stores a message with its body and recipients. Returns only once the
    /// message is durable (fsync'd, possibly in a group commit shared with
    /// other messages): the receiver says `250` after this and not before.
    /// A full disk is `StoreError::Full`, so the receiver can answer `452 4.3.1`.
    async fn accept_message(&self, message: NewMessage) -> Result<()>;

    // --- reading ---------------------------------------------------------

    async fn message(&self, id: MessageId) -> Result<Option<StoredMessage>>;
    async fn body(&self, id: MessageId) -> Result<Option<Vec<u8>>>;
    /// The bodies of those of `ids` that exist, by id (a claimed batch's,
    /// read together).
    async fn bodies(&self, ids: &[MessageId]) -> Result<HashMap<MessageId, Vec<u8>>>;
    /// Where the bodies of those of `ids` that exist lie, by id, to be read
    /// in pieces: nothing of them is read here. Delivery streams bodies
    /// through these rather than holding a round's bodies in memory.
    async fn stored_bodies(&self, ids: &[MessageId]) -> Result<HashMap<MessageId, StoredBody>>;
    /// Messages with at least one recipient matching the filter, newest first.
    async fn list_messages(&self, filter: &MessageFilter) -> Result<Vec<StoredMessage>>;

    // --- scheduling ------------------------------------------------------

    /// Next hops that have recipients due (`queued` or `deferred` with
    /// `next_attempt_at <= now`) and are not held past `now`, each with its
    /// due recipients counted up to `max_count` (a caller sizing its work
    /// needs no more, and counting a whole backlog would cost as much as
    /// the backlog); and when the next hop's work is due. The cost follows
    /// the number of next hops with waiting recipients and what is due, not
    /// the size of the queue. The scheduler asks at every wake-up.
    async fn schedule(&self, now: OffsetDateTime, max_count: u64) -> Result<Schedule>;

    /// The next hops of `schedule` with work due at `now`.
    async fn due_next_hops(&self, now: OffsetDateTime, max_count: u64) -> Result<Vec<DueNextHop>> {
        Ok(self.schedule(now, max_count).await?.due)
    }

    /// Claims up to `max_messages` messages with recipients due on `next_hop`:
    /// those recipients become `in_flight`, leased to `node` until
    /// `now + lease`. Oldest `next_attempt_at` first. Nothing is claimed
    /// while the next hop is held past `now`.
    async fn claim(
        &self,
        next_hop: &str,
        now: OffsetDateTime,
        node: &str,
        lease: Duration,
        max_messages: usize,
    ) -> Result<Vec<ClaimedMessage>>;

    /// Records outcomes of claimed recipients, in one transaction, and the
    /// events that go with them. A `queued` or `deferred` update without a
    /// `next_attempt_at` is due at the update's `at`. The events may be
    /// written a moment later, in batches (a crash can lose that moment's
    /// events, never an update); every read of events through the store
    /// sees them as soon as this returns.
    async fn record(&self, updates: Vec<RecipientUpdate>, events: Vec<Event>) -> Result<()>;

    /// The earliest time at which anything becomes due: a recipient's
    /// `next_attempt_at`, a hold's end or a pending message's expiry.
    async fn next_wakeup(&self) -> Result<Option<OffsetDateTime>>;

    /// The earliest expiry of a message with recipients waiting (queued,
    /// deferred or suspended). A message accepted later expires later, so a
    /// caller may keep this for a while: at worst it wakes up early.
    async fn next_expiry(&self) -> Result<Option<OffsetDateTime>>;

    /// Puts a whole next hop on hold until `until` (after a connection-level
    /// failure): nothing of it is due before then, and then one probe goes.
    /// The hop's pending recipients due earlier become due at `until`, and
    /// so do recipients queued to it while the hold lasts. The cost does not
    /// depend on how many recipients wait for the hop.
    async fn hold_next_hop(&self, hold: NextHopHold) -> Result<()>;
    /// Lifts a hold (after a successful probe). Due times are left as they
    /// are; `retry_now` makes a held hop due before its hold ends.
    async fn release_next_hop(&self, next_hop: &str) -> Result<()>;
    async fn next_hop_hold(&self, next_hop: &str) -> Result<Option<NextHopHold>>;

    /// Messages whose `expires_at <= now` with recipients still waiting
    /// (`queued`, `deferred` or `suspended`; recipients `in_flight` are left
    /// to their attempt's outcome), earliest expiry first.
    async fn expired_messages(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredMessage>>;

    /// Messages received at or before `received_before` that have not had
    /// their delay notice and still have a recipient waiting after a
    /// failure: `deferred`, or `queued` for a next hop that is held.
    async fn delay_notices_due(
        &self,
        received_before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredMessage>>;
    async fn mark_delay_notice_sent(&self, id: MessageId) -> Result<()>;

    /// Recipients that failed for good at or before `failed_before` and
    /// whose report to the sender is not queued yet, grouped by message,
    /// oldest failure first, at most `max_messages` messages. A failure
    /// owes its report from the transaction that records it, so a crash
    /// before the report is queued cannot lose it.
    async fn reports_owed(
        &self,
        failed_before: OffsetDateTime,
        max_messages: usize,
    ) -> Result<Vec<OwedReport>>;
    /// When the longest-owed report's recipient failed.
    async fn oldest_report_owed(&self) -> Result<Option<OffsetDateTime>>;
    /// The report for these recipients of `message_id` is queued (or none
    /// is due): they owe nothing any more.
    async fn reports_queued(&self, message_id: MessageId, indexes: &[u32]) -> Result<()>;

    /// After a crash: recipients left `in_flight` by `node` (or whose lease
    /// ran out) go back to `queued`. Returns how many.
    async fn recover_in_flight(&self, node: &str, now: OffsetDateTime) -> Result<u64>;
    /// A delivery round that stopped without recording an outcome gives
    /// its claims back: those of `claims` (message, recipient index) still
    /// `in_flight` under `node`'s lease go back to `queued`, due at
    /// `retry_at` (or when their next hop's hold ends). Recipients whose
    /// outcome was recorded are left alone. Returns how many.
    async fn release_claims(
        &self,
        node: &str,
        claims: Vec<(MessageId, u32)>,
        now: OffsetDateTime,
        retry_at: OffsetDateTime,
    ) -> Result<u64>;

    /// Operator: make every pending recipient of a next hop due now and lift
    /// its hold (`retry now`). Returns how many recipients.
    async fn retry_now(&self, next_hop: &str, now: OffsetDateTime) -> Result<u64>;

    // --- organisation settings and events ---------------------------------

    async fn org_settings(&self, org: &str) -> Result<Option<OrgSettings>>;
    async fn save_org_settings(&self, org: &str, settings: &OrgSettings) -> Result<()>;

    /// Events of one message, oldest first.
    async fn events(&self, id: MessageId) -> Result<Vec<Event>>;

    // --- operator actions and the audit log ---------------------------------

    /// Appends an entry to the audit log; returns the id the store gave it.
    async fn append_audit(&self, entry: AuditEntry) -> Result<u64>;
    /// The latest audit entries, newest first; 0 is no limit.
    async fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>>;
    async fn audit_entry(&self, id: u64) -> Result<Option<AuditEntry>>;
    /// Marks an entry undone at `at`; false when there is no such entry or
    /// it was undone already.
    async fn mark_undone(&self, id: u64, at: OffsetDateTime) -> Result<bool>;

    /// Operator: the connector's `queued` and `deferred` recipients (on all
    /// its next hops, in `org`) become `suspended`. Each gets an operator
    /// event (`suspend`, by `actor`) in its message's trace, in the same
    /// transaction. Returns how many.
    async fn suspend_connector_queue(
        &self,
        org: &str,
        connector: &str,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64>;
    /// Operator: the connector's `suspended` recipients become `queued`, due
    /// now (or when a hold of their next hop ends), each with an operator
    /// event (`resume`). Returns how many.
    async fn resume_connector_queue(
        &self,
        org: &str,
        connector: &str,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64>;
    /// Operator: lifts the holds of the connector's next hops and makes its
    /// `queued` and `deferred` recipients due now, each with an operator
    /// event (`retry now`). Returns how many.
    async fn retry_connector_now(
        &self,
        org: &str,
        connector: &str,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64>;
    /// How many recipients wait in `org`, per connector: to go (`queued`
    /// and `deferred` together, given as `Queued`) and `Suspended`; states
    /// with none are left out. Read from counts the store keeps and the
    /// recipients in flight, without the waiting rows, however many wait.
    async fn waiting_counts(&self, org: &str) -> Result<Vec<WaitingCount>>;
    /// At most `limit` distinct addresses (in lower case, in order, after
    /// `after`) of the recipients waiting (`queued`, `deferred`,
    /// `suspended`) for `connector` in `org` whose domain is `domain`: one
    /// index seek each, however many recipients share an address.
    async fn waiting_addresses(
        &self,
        org: &str,
        connector: &str,
        domain: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>>;
    /// How many recipients wait (`queued`, `deferred`, `suspended`) for
    /// `connector` in `org`, in `domain`, to one of `addresses` (compared
    /// without regard to case).
    async fn waiting_to(
        &self,
        org: &str,
        connector: &str,
        domain: &str,
        addresses: &[String],
    ) -> Result<u64>;
    /// A page of at most `limit` recipients waiting (`queued`, `deferred`,
    /// `suspended`) for `connector` in `org`, after `after` (from the
    /// start when `None`), in (state, message, index) order: a queue of a
    /// million is walked page by page, never loaded whole.
    async fn waiting_recipients(
        &self,
        org: &str,
        connector: &str,
        after: Option<WaitingCursor>,
        limit: usize,
    ) -> Result<Vec<PendingRecipient>>;

    // --- queue operations ---------------------------------------------------

    /// A page of at most `max_messages` messages with pending recipients
    /// (queued, deferred, suspended or in flight) that the selection picks,
    /// after the message `after` in id (arrival) order, from the start when
    /// `None`; each with the recipients picked. Every message comes in one
    /// page only, whole: a queue of a million is walked page by page, never
    /// loaded.
    async fn select_pending(
        &self,
        selection: &QueueSelection,
        after: Option<MessageId>,
        max_messages: usize,
    ) -> Result<Vec<SelectedMessage>>;
    /// Operator: does `action` to those of `recipients` (message, index)
    /// whose state it applies to when the transaction runs (in-flight ones
    /// are left alone), each with an operator event (`action`, by `actor`)
    /// in its message's trace, in one transaction. Returns how many.
    async fn act_on_recipients(
        &self,
        action: QueueAction,
        recipients: &[(MessageId, u32)],
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<u64>;

    // --- mail flow intelligence -------------------------------------------

    /// Per connector (None = MX routing without a connector): pending
    /// recipients (queued, deferred, in_flight, suspended), oldest pending
    /// message's received_at, pending recipients by last error code, and the
    /// most recent last error with its next hop.
    async fn queue_stats(&self, org: &str) -> Result<Vec<ConnectorQueueStats>>;
    /// Pending recipients of a connector whose message was received before `cutoff`.
    async fn queued_older_than(
        &self,
        org: &str,
        connector: Option<&str>,
        cutoff: OffsetDateTime,
    ) -> Result<u64>;
    /// Outcomes of a connector's attempts with `since <= at < until`.
    async fn delivery_stats(
        &self,
        org: &str,
        connector: Option<&str>,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<DeliveryStats>;
    /// The latest `Attempt` event of a connector: the addresses last tried.
    async fn last_attempt(&self, org: &str, connector: Option<&str>) -> Result<Option<Event>>;
    /// Messages matching the filter, newest first, each with its events.
    async fn trace(&self, filter: &TraceFilter) -> Result<Vec<TracedMessage>>;
    /// Writes history buckets, replacing any of the same connector and minute.
    async fn save_history(&self, buckets: Vec<HistoryBucket>) -> Result<()>;
    /// A connector's history from `since` on, oldest minute first.
    async fn history(
        &self,
        org: &str,
        connector: Option<&str>,
        since: OffsetDateTime,
    ) -> Result<Vec<HistoryBucket>>;
    /// Deletes events older than `before`; returns how many.
    async fn prune_events(&self, before: OffsetDateTime) -> Result<u64>;
    /// Deletes the messages whose recipients all finished (delivered or
    /// failed) before `before` and that owe no report, with their
    /// recipients; returns how many.
    async fn prune_messages(&self, before: OffsetDateTime) -> Result<u64>;
    /// Deletes history buckets older than `before`; returns how many.
    async fn prune_history(&self, before: OffsetDateTime) -> Result<u64>;

    // --- alerts (mailflow-alerts) -----------------------------------------

    /// The organisation's alert settings, `None` until some are saved.
    async fn alert_settings(&self, org: &str) -> Result<Option<AlertSettings>>;
    async fn save_alert_settings(&self, org: &str, settings: &AlertSettings) -> Result<()>;
    /// Merges an evaluation into the open alert of its connector and code,
    /// or opens one: at most one alert per connector and code is open.
    async fn observe_alert(&self, observation: AlertObservation) -> Result<ObservedAlert>;
    /// Resolves every open queue alert of a connector (not the
    /// invalid-recipient quota's); returns them, resolved.
    async fn resolve_alerts(
        &self,
        org: &str,
        connector: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<Vec<Alert>>;
    /// Records who acknowledged an alert; `None` when there is no such alert.
    async fn acknowledge_alert(
        &self,
        id: AlertId,
        actor: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Alert>>;
    async fn alert(&self, id: AlertId) -> Result<Option<Alert>>;
    /// The organisation's alerts in that state, newest first.
    async fn list_alerts(&self, org: &str, state: AlertStateFilter) -> Result<Vec<Alert>>;
    /// Queues notifications, due at once, as far as the organisation's
    /// count for the UTC day of `at` stays within `cap`; the rest are left
    /// out and counted as capped.
    async fn enqueue_notifications(
        &self,
        org: &str,
        cap: u32,
        notifications: Vec<NewNotification>,
        at: OffsetDateTime,
    ) -> Result<Enqueued>;
    /// The organisation's notifications due at `now`, oldest first.
    async fn due_notifications(
        &self,
        org: &str,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>>;
    /// When the organisation's next notification is due.
    async fn next_notification_at(&self, org: &str) -> Result<Option<OffsetDateTime>>;
    async fn notification_delivered(&self, id: i64, at: OffsetDateTime) -> Result<()>;
    /// An attempt that did not deliver: why, and when to try again (or not).
    async fn notification_failed(
        &self,
        id: i64,
        reason: &str,
        retry: OutboxRetry,
        at: OffsetDateTime,
    ) -> Result<()>;
    /// Every notification about one alert, in the order queued.
    async fn alert_notifications(&self, alert_id: AlertId) -> Result<Vec<OutboxEntry>>;
    /// Resolves one open alert; `None` when there is no such alert.
    async fn resolve_alert(&self, id: AlertId, at: OffsetDateTime) -> Result<Option<Alert>>;

    // --- invalid-recipient quota --------------------------------------------

    /// Records one recipient refused at RCPT as unknown (`550 5.1.10`),
    /// asked for by `client` (its IP address).
    async fn record_invalid_recipient(
        &self,
        org: &str,
        client: &str,
        at: OffsetDateTime,
    ) -> Result<()>;
    /// Unknown-recipient refusals per client at or after `since`, most first.
    async fn invalid_recipients_since(
        &self,
        org: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<InvalidRecipientSource>>;
    /// Deletes refusals recorded before `before`; returns how many.
    async fn prune_invalid_recipients(&self, before: OffsetDateTime) -> Result<u64>;

    // --- SMTP AUTH users ----------------------------------------------------

    /// Adds a user who may authenticate with SMTP AUTH, or replaces its
    /// password hash (an Argon2 PHC string; the password itself is never
    /// stored).
    async fn save_submission_user(&self, org: &str, name: &str, password_hash: &str) -> Result<()>;
    /// The user's password hash; `None` for an unknown user.
    async fn submission_user_hash(&self, org: &str, name: &str) -> Result<Option<String>>;
    /// The organisation's users, by name.
    async fn submission_users(&self, org: &str) -> Result<Vec<String>>;
    /// Deletes a user; false when there is none of that name.
    async fn remove_submission_user(&self, org: &str, name: &str) -> Result<bool>;

    // --- admin API tokens ----------------------------------------------------

    /// Saves a new token (its digest only); false, with nothing saved, when
    /// its name or digest is taken.
    async fn create_admin_token(&self, token: AdminToken) -> Result<bool>;
    /// Every stored token, by name.
    async fn admin_tokens(&self) -> Result<Vec<AdminToken>>;
    /// The token whose digest (`sha256:<hex>`) this is.
    async fn admin_token_by_digest(&self, digest: &str) -> Result<Option<AdminToken>>;
    /// Deletes a token; false when there is none of that name.
    async fn revoke_admin_token(&self, name: &str) -> Result<bool>;
    /// Records that the token was used at `at` (kept loosely: a crash may
    /// lose the latest use).
    async fn admin_token_used(&self, name: &str, at: OffsetDateTime) -> Result<()>;
}

pub type SharedStore = Arc<dyn Store>;
