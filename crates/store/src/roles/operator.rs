//! What operators do to the queue: listing and selecting waiting mail,
//! and acting on it (the audit log of it is `AuditStore`).

use crate::{
    MessageFilter, PendingRecipient, QueueAction, QueueSelection, Result, SelectedMessage,
    StoredMessage, WaitingCount, WaitingCursor,
};
use async_trait::async_trait;
use mailflow_core::MessageId;
use time::OffsetDateTime;

#[async_trait]
pub trait OperatorStore: Send + Sync + 'static {
    /// Messages with at least one recipient matching the filter, newest first.
    async fn list_messages(&self, filter: &MessageFilter) -> Result<Vec<StoredMessage>>;

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
}
