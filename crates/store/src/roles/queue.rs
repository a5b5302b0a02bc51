//! The queue: accepting mail, scheduling and claiming due recipients,
//! recording outcomes, holds, expiry, delay notices and owed reports.

use crate::{
    ClaimedMessage, DueNextHop, NewMessage, NextHopHold, OwedReport, RecipientUpdate, Result,
    Schedule, StoredMessage,
};
use async_trait::async_trait;
use mailflow_core::{Event, MessageId};
use std::time::Duration;
use time::OffsetDateTime;

#[async_trait]
pub trait QueueStore: Send + Sync + 'static {
    /// Stores a message with its body and recipients. Returns only once the
    /// message is durable (fsync'd, possibly in a group commit shared with
    /// other messages): the receiver says `250` after this and not before.
    /// A full disk is `StoreError::Full`, so the receiver can answer `452 4.3.1`.
    async fn accept_message(&self, message: NewMessage) -> Result<()>;

    async fn message(&self, id: MessageId) -> Result<Option<StoredMessage>>;

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

    /// Moves the end of every lease `node` holds to `until` (never
    /// earlier): a node renews its leases while it delivers, so that work
    /// is taken over by another node only once this one has stopped.
    /// Returns how many recipients.
    async fn renew_leases(&self, node: &str, until: OffsetDateTime) -> Result<u64>;

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

    /// Recipients whose lease ran out before `now`, whichever node held
    /// them, go back to `queued` (each with a `recovered` event): a node
    /// sharing the store sweeps for the work of nodes that died. Returns
    /// how many.
    async fn recover_expired_leases(&self, now: OffsetDateTime) -> Result<u64>;

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
}
