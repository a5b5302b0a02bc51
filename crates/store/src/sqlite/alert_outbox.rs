//! The notification outbox: notifications about alerts wait here until a
//! sender delivers them (at least once) or gives them up with a reason.
//!
//! Queueing counts against the organisation's daily cap in the same
//! transaction, so that several nodes sharing the store never pass it.

use super::codec::{count_to_u32, limit_to_db, time_from_db, time_to_db};
use super::transaction::in_transaction;
use crate::decode::{self, OUTBOX_COLUMNS};
use crate::{AlertId, Enqueued, NewNotification, OutboxEntry, OutboxRetry, Result};
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;

/// The UTC day a notification counts against, `YYYY-MM-DD`.
fn day_of(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).date().to_string()
}

/// Queues as many notifications as the day's cap still allows, in order,
/// due at once, and marks their alerts as notified at `at`.
pub async fn enqueue(
    conn: &mut SqliteConnection,
    org: &str,
    cap: u32,
    notifications: &[NewNotification],
    at: OffsetDateTime,
) -> Result<Enqueued> {
    in_transaction(conn, async |conn| {
        let day = day_of(at);
        let sent = sent_on(conn, org, &day).await?;
        let room = cap.saturating_sub(sent) as usize;
        let (allowed, capped) = notifications.split_at(room.min(notifications.len()));
        for notification in allowed {
            insert(conn, org, notification, at).await?;
        }
        if !allowed.is_empty() {
            add_sent(conn, org, &day, allowed.len() as u32).await?;
        }
        Ok(Enqueued {
            queued: allowed.len() as u32,
            capped: capped.len() as u32,
        })
    })
    .await
}

async fn sent_on(conn: &mut SqliteConnection, org: &str, day: &str) -> Result<u32> {
    let row = sqlx::query("SELECT sent FROM alert_daily_counts WHERE org = ? AND day = ?")
        .bind(org)
        .bind(day)
        .fetch_optional(conn)
        .await?;
    match row {
        Some(row) => count_to_u32("alert_daily_counts.sent", row.try_get("sent")?),
        None => Ok(0),
    }
}

async fn add_sent(conn: &mut SqliteConnection, org: &str, day: &str, count: u32) -> Result<()> {
    sqlx::query(
        "INSERT INTO alert_daily_counts (org, day, sent) VALUES (?, ?, ?) \
         ON CONFLICT (org, day) DO UPDATE SET sent = sent + excluded.sent",
    )
    .bind(org)
    .bind(day)
    .bind(i64::from(count))
    .execute(conn)
    .await?;
    Ok(())
}

async fn insert(
    conn: &mut SqliteConnection,
    org: &str,
    notification: &NewNotification,
    at: OffsetDateTime,
) -> Result<()> {
    let at = time_to_db(at);
    sqlx::query(
        "INSERT INTO alert_outbox (org, alert_id, channel, payload, created_at, next_attempt_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(org)
    .bind(notification.alert_id)
    .bind(notification.channel.as_str())
    .bind(&notification.payload)
    .bind(at)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE alerts SET notified_at = ? WHERE id = ?")
        .bind(at)
        .bind(notification.alert_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The organisation's notifications due at `now`, oldest due first.
pub async fn due(
    conn: &mut SqliteConnection,
    org: &str,
    now: OffsetDateTime,
    limit: usize,
) -> Result<Vec<OutboxEntry>> {
    let rows = sqlx::query(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM alert_outbox WHERE org = ? AND next_attempt_at <= ? \
         ORDER BY next_attempt_at, id LIMIT ?"
    ))
    .bind(org)
    .bind(time_to_db(now))
    .bind(limit_to_db(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode::outbox_entry).collect()
}

/// When the organisation's next notification is due, if any waits.
pub async fn next_due(conn: &mut SqliteConnection, org: &str) -> Result<Option<OffsetDateTime>> {
    let row = sqlx::query("SELECT MIN(next_attempt_at) AS due FROM alert_outbox WHERE org = ?")
        .bind(org)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get::<Option<i64>, _>("due")?.map(time_from_db))
}

pub async fn delivered(conn: &mut SqliteConnection, id: i64, at: OffsetDateTime) -> Result<()> {
    sqlx::query(
        "UPDATE alert_outbox SET attempts = attempts + 1, delivered_at = ?, \
         next_attempt_at = NULL WHERE id = ?",
    )
    .bind(time_to_db(at))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn failed(
    conn: &mut SqliteConnection,
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
        "UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = ?, \
         abandoned_at = ?, last_failure = ? WHERE id = ?",
    )
    .bind(next)
    .bind(abandoned)
    .bind(reason)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every notification about one alert, in the order queued.
pub async fn of_alert(conn: &mut SqliteConnection, alert_id: AlertId) -> Result<Vec<OutboxEntry>> {
    let rows = sqlx::query(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM alert_outbox WHERE alert_id = ? ORDER BY id"
    ))
    .bind(alert_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode::outbox_entry).collect()
}
