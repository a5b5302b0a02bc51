//! The notification outbox: notifications about alerts wait here until a
//! sender delivers them (at least once) or gives them up with a reason.
//!
//! Queueing counts against the organisation's daily cap in the same
//! transaction, with the day's count row locked, so that nodes queueing at
//! once never pass the cap together.

use crate::columns::{count_to_u32, limit_to_db, time_from_db, time_to_db};
use crate::decode::{self, OUTBOX_COLUMNS};
use crate::{AlertId, Enqueued, NewNotification, OutboxEntry, OutboxRetry, Result};
use sqlx::PgPool;
use time::OffsetDateTime;

/// The UTC day a notification counts against, `YYYY-MM-DD`.
fn day_of(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).date().to_string()
}

/// Queues as many notifications as the day's cap still allows, in order,
/// due at once, and marks their alerts as notified at `at`.
pub async fn enqueue(
    pool: &PgPool,
    org: &str,
    cap: u32,
    notifications: &[NewNotification],
    at: OffsetDateTime,
) -> Result<Enqueued> {
    let day = day_of(at);
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO alert_daily_counts (org, day, sent) VALUES ($1, $2, 0) \
         ON CONFLICT (org, day) DO NOTHING",
    )
    .bind(org)
    .bind(&day)
    .execute(&mut *tx)
    .await?;
    let sent: i64 = sqlx::query_scalar(
        "SELECT sent FROM alert_daily_counts WHERE org = $1 AND day = $2 FOR UPDATE",
    )
    .bind(org)
    .bind(&day)
    .fetch_one(&mut *tx)
    .await?;
    let sent = count_to_u32("alert_daily_counts.sent", sent)?;
    let room = cap.saturating_sub(sent) as usize;
    let (allowed, capped) = notifications.split_at(room.min(notifications.len()));
    let at = time_to_db(at);
    for notification in allowed {
        sqlx::query(
            "INSERT INTO alert_outbox (org, alert_id, channel, payload, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(org)
        .bind(notification.alert_id)
        .bind(notification.channel.as_str())
        .bind(&notification.payload)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE alerts SET notified_at = $1 WHERE id = $2")
            .bind(at)
            .bind(notification.alert_id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE alert_daily_counts SET sent = sent + $3 WHERE org = $1 AND day = $2")
        .bind(org)
        .bind(&day)
        .bind(allowed.len() as i64)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Enqueued {
        queued: allowed.len() as u32,
        capped: capped.len() as u32,
    })
}

/// The organisation's notifications due at `now`, oldest due first.
pub async fn due(
    pool: &PgPool,
    org: &str,
    now: OffsetDateTime,
    limit: usize,
) -> Result<Vec<OutboxEntry>> {
    let rows = sqlx::query(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM alert_outbox WHERE org = $1 AND next_attempt_at <= $2 \
         ORDER BY next_attempt_at, id LIMIT $3"
    ))
    .bind(org)
    .bind(time_to_db(now))
    .bind(limit_to_db(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode::outbox_entry).collect()
}

/// When the organisation's next notification is due, if any waits.
pub async fn next_due(pool: &PgPool, org: &str) -> Result<Option<OffsetDateTime>> {
    let due: Option<i64> =
        sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM alert_outbox WHERE org = $1")
            .bind(org)
            .fetch_one(pool)
            .await?;
    Ok(due.map(time_from_db))
}

pub async fn delivered(pool: &PgPool, id: i64, at: OffsetDateTime) -> Result<()> {
    sqlx::query(
        "UPDATE alert_outbox SET attempts = attempts + 1, delivered_at = $1, \
         next_attempt_at = NULL WHERE id = $2",
    )
    .bind(time_to_db(at))
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn failed(
    pool: &PgPool,
    id: i64,
    reason: &str,
    retry: &OutboxRetry,
    at: OffsetDateTime,
) -> Result<()> {
    let (next, abandoned) = match retry {
        OutboxRetry::At(next) => (Some(time_to_db(*next)), None),
        OutboxRetry::GiveUp => (None, Some(time_to_db(at))),
    };
    sqlx::query(
        "UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = $1, \
         abandoned_at = $2, last_failure = $3 WHERE id = $4",
    )
    .bind(next)
    .bind(abandoned)
    .bind(reason)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Every notification about one alert, in the order queued.
pub async fn of_alert(pool: &PgPool, alert_id: AlertId) -> Result<Vec<OutboxEntry>> {
    let rows = sqlx::query(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM alert_outbox WHERE alert_id = $1 ORDER BY id"
    ))
    .bind(alert_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode::outbox_entry).collect()
}
