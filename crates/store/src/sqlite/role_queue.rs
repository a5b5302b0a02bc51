//! `SqliteStore` as a `QueueStore`.

use super::*;
use crate::QueueStore;

#[async_trait]
impl QueueStore for SqliteStore {
    async fn accept_message(&self, message: NewMessage) -> Result<()> {
        self.writer.accept(message).await
    }

    async fn message(&self, id: MessageId) -> Result<Option<StoredMessage>> {
        reads::message(&mut *self.read().await?, id).await
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

    async fn renew_leases(&self, node: &str, until: OffsetDateTime) -> Result<u64> {
        let node = node.to_string();
        on_writer!(self, Durability::Relaxed, conn => due::renew_leases(conn, &node, until))
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
        on_writer!(self, Durability::Relaxed, conn => due::recover_in_flight(conn, Some(&node), now))
    }

    async fn recover_expired_leases(&self, now: OffsetDateTime) -> Result<u64> {
        on_writer!(self, Durability::Relaxed, conn => due::recover_in_flight(conn, None, now))
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
}
