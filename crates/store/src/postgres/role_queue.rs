//! `PostgresStore` as a `QueueStore`.

use super::queue::{claim, due, holds, notices, reads};
use super::{PostgresStore, transaction};
use crate::{
    ClaimedMessage, NewMessage, NextHopHold, OwedReport, QueueStore, RecipientUpdate, Result,
    Schedule, StoredMessage,
};
use async_trait::async_trait;
use mailflow_core::{Event, MessageId};
use std::time::Duration;
use time::OffsetDateTime;

#[async_trait]
impl QueueStore for PostgresStore {
    async fn accept_message(&self, message: NewMessage) -> Result<()> {
        self.batcher.accept(message).await
    }

    async fn message(&self, id: MessageId) -> Result<Option<StoredMessage>> {
        reads::message(&self.pool, id).await
    }

    async fn schedule(&self, now: OffsetDateTime, max_count: u64) -> Result<Schedule> {
        due::schedule(&self.pool, now, max_count).await
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
            node,
            now,
            duration: lease,
        };
        claim::claim(&self.pool, next_hop, &lease, max_messages).await
    }

    async fn renew_leases(&self, node: &str, until: OffsetDateTime) -> Result<u64> {
        due::renew_leases(&self.pool, node, until).await
    }

    async fn record(&self, updates: Vec<RecipientUpdate>, events: Vec<Event>) -> Result<()> {
        if updates.is_empty() && events.is_empty() {
            return Ok(());
        }
        self.batcher.record(updates, events).await
    }

    async fn next_wakeup(&self) -> Result<Option<OffsetDateTime>> {
        due::next_wakeup(&self.pool).await
    }

    async fn next_expiry(&self) -> Result<Option<OffsetDateTime>> {
        due::next_expiry(&self.pool).await
    }

    async fn hold_next_hop(&self, hold: NextHopHold) -> Result<()> {
        transaction::write!(self.pool, conn => holds::hold_next_hop(conn, &hold))
    }

    async fn release_next_hop(&self, next_hop: &str) -> Result<()> {
        transaction::write!(self.pool, conn => holds::release_next_hop(conn, next_hop))
    }

    async fn next_hop_hold(&self, next_hop: &str) -> Result<Option<NextHopHold>> {
        due::next_hop_hold(&self.pool, next_hop).await
    }

    async fn expired_messages(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredMessage>> {
        notices::expired_messages(&self.pool, now, limit).await
    }

    async fn delay_notices_due(
        &self,
        received_before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredMessage>> {
        notices::delay_notices_due(&self.pool, received_before, limit).await
    }

    async fn mark_delay_notice_sent(&self, id: MessageId) -> Result<()> {
        transaction::write!(self.pool, conn => notices::mark_delay_notice_sent(conn, id))
    }

    async fn reports_owed(
        &self,
        failed_before: OffsetDateTime,
        max_messages: usize,
    ) -> Result<Vec<OwedReport>> {
        notices::reports_owed(&self.pool, failed_before, max_messages).await
    }

    async fn oldest_report_owed(&self) -> Result<Option<OffsetDateTime>> {
        notices::oldest_report_owed(&self.pool).await
    }

    async fn reports_queued(&self, message_id: MessageId, indexes: &[u32]) -> Result<()> {
        transaction::write!(self.pool, conn => notices::reports_queued(conn, message_id, indexes))
    }

    async fn recover_in_flight(&self, node: &str, now: OffsetDateTime) -> Result<u64> {
        transaction::write!(self.pool, conn => due::recover_in_flight(conn, Some(node), now))
    }

    async fn recover_expired_leases(&self, now: OffsetDateTime) -> Result<u64> {
        transaction::write!(self.pool, conn => due::recover_in_flight(conn, None, now))
    }

    async fn release_claims(
        &self,
        node: &str,
        claims: Vec<(MessageId, u32)>,
        now: OffsetDateTime,
        retry_at: OffsetDateTime,
    ) -> Result<u64> {
        transaction::write!(self.pool, conn => due::release_claims(conn, node, &claims, now, retry_at))
    }

    async fn retry_now(&self, next_hop: &str, now: OffsetDateTime) -> Result<u64> {
        transaction::write!(self.pool, conn => holds::retry_now(conn, next_hop, now))
    }
}
