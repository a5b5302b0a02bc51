//! Expiry and delay notices: the messages whose time has come.
//!
//! Both look only at messages still `pending`, through partial indexes, so
//! delivered mail kept for the trace costs them nothing.

use super::codec::{id_to_db, limit_to_db, time_to_db};
use super::reads::messages_where;
use super::rows::ENVELOPE_COLUMNS;
use crate::{Result, StoredMessage};
use mailflow_core::MessageId;
use sqlx::SqliteConnection;
use time::OffsetDateTime;

/// Messages past their expiry with recipients still waiting (queued,
/// deferred or suspended), earliest expiry first. Recipients in flight are
/// left to the outcome of their attempt.
pub async fn expired_messages(
    conn: &mut SqliteConnection,
    now: OffsetDateTime,
    limit: usize,
) -> Result<Vec<StoredMessage>> {
    let sql = format!(
        "SELECT {ENVELOPE_COLUMNS} FROM messages m \
         WHERE m.pending = 1 AND m.expires_at <= ? AND EXISTS (SELECT 1 FROM recipients r \
         WHERE r.message_id = m.id AND r.state IN ('queued', 'deferred', 'suspended')) \
         ORDER BY m.expires_at, m.id LIMIT ?"
    );
    let query = sqlx::query(&sql)
        .bind(time_to_db(now))
        .bind(limit_to_db(limit));
    messages_where(conn, query).await
}

/// Old messages without their delay notice that have a recipient waiting
/// after a failure: its own (`deferred`) or its next hop's (`queued` behind
/// a hold, untried because the hop refuses). The second matters for more
/// than the notice: a backlog behind a dead next hop is all `queued`, and
/// were it left out, every scheduler pass would walk all of it past the
/// notice's age only to find no message to notify.
pub async fn delay_notices_due(
    conn: &mut SqliteConnection,
    received_before: OffsetDateTime,
    limit: usize,
) -> Result<Vec<StoredMessage>> {
    let sql = format!(
        "SELECT {ENVELOPE_COLUMNS} FROM messages m \
         WHERE m.pending = 1 AND m.delay_notice_sent = 0 AND m.received_at <= ? \
         AND EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id \
           AND (r.state = 'deferred' OR (r.state = 'queued' AND EXISTS \
             (SELECT 1 FROM next_hop_holds h WHERE h.next_hop = r.next_hop)))) \
         ORDER BY m.received_at, m.id LIMIT ?"
    );
    let query = sqlx::query(&sql)
        .bind(time_to_db(received_before))
        .bind(limit_to_db(limit));
    messages_where(conn, query).await
}

pub async fn mark_delay_notice_sent(conn: &mut SqliteConnection, id: MessageId) -> Result<()> {
    sqlx::query("UPDATE messages SET delay_notice_sent = 1 WHERE id = ?")
        .bind(id_to_db(id))
        .execute(conn)
        .await?;
    Ok(())
}
