//! Alerts and the organisation's alert settings.
//!
//! One open alert per connector and code, however many nodes observe the
//! same trouble at once: the schema's unique index over open alerts is the
//! conflict target of `observe`'s one statement, which opens the alert or
//! merges the observation into the open one.

use crate::columns::{json_to_db, time_to_db};
use crate::decode::{self, ALERT_COLUMNS};
use crate::{Alert, AlertId, AlertObservation, AlertStateFilter, ObservedAlert, Result};
use sqlx::{PgPool, Row};
use time::OffsetDateTime;

/// Merges the observation into the open alert of its connector and code,
/// or opens one.
pub async fn observe(pool: &PgPool, seen: &AlertObservation) -> Result<ObservedAlert> {
    let at = time_to_db(seen.at);
    // `xmax = 0` only on a row this statement inserted.
    let row = sqlx::query(&format!(
        "INSERT INTO alerts (org, connector, code, rule, opened_at, updated_at, last_values) \
         VALUES ($1, $2, $3, $4, $5, $5, $6) \
         ON CONFLICT (org, COALESCE(connector, ''), code) WHERE resolved_at IS NULL \
         DO UPDATE SET updated_at = excluded.updated_at, rule = excluded.rule, \
             last_values = excluded.last_values \
         RETURNING {ALERT_COLUMNS}, (xmax = 0) AS opened"
    ))
    .bind(&seen.org)
    .bind(&seen.connector)
    .bind(&seen.code)
    .bind(seen.rule.as_str())
    .bind(at)
    .bind(json_to_db(&seen.values))
    .fetch_one(pool)
    .await?;
    Ok(ObservedAlert {
        alert: decode::alert(&row)?,
        opened: row.try_get("opened")?,
    })
}

/// Resolves the open queue alerts of one connector (not the invalid-recipient
/// quota's, which `resolve_alert` ends); returns them as resolved.
pub async fn resolve(
    pool: &PgPool,
    org: &str,
    connector: Option<&str>,
    at: OffsetDateTime,
) -> Result<Vec<Alert>> {
    let rows = sqlx::query(&format!(
        "UPDATE alerts SET resolved_at = $1, updated_at = $1 \
         WHERE org = $2 AND connector IS NOT DISTINCT FROM $3 AND resolved_at IS NULL \
         AND rule IN ('queued_count', 'oldest_age') RETURNING {ALERT_COLUMNS}"
    ))
    .bind(time_to_db(at))
    .bind(org)
    .bind(connector)
    .fetch_all(pool)
    .await?;
    let mut resolved: Vec<Alert> = rows.iter().map(decode::alert).collect::<Result<_>>()?;
    resolved.sort_by_key(|alert| alert.id);
    Ok(resolved)
}

/// Resolves one open alert by id.
pub async fn resolve_one(pool: &PgPool, id: AlertId, at: OffsetDateTime) -> Result<Option<Alert>> {
    sqlx::query(
        "UPDATE alerts SET resolved_at = $1, updated_at = $1 WHERE id = $2 AND resolved_at IS NULL",
    )
    .bind(time_to_db(at))
    .bind(id)
    .execute(pool)
    .await?;
    alert(pool, id).await
}

pub async fn acknowledge(
    pool: &PgPool,
    id: AlertId,
    actor: &str,
    at: OffsetDateTime,
) -> Result<Option<Alert>> {
    let row = sqlx::query(&format!(
        "UPDATE alerts SET acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3 \
         RETURNING {ALERT_COLUMNS}"
    ))
    .bind(time_to_db(at))
    .bind(actor)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(decode::alert).transpose()
}

pub async fn alert(pool: &PgPool, id: AlertId) -> Result<Option<Alert>> {
    let row = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(decode::alert).transpose()
}

/// The organisation's alerts, newest first.
pub async fn list(pool: &PgPool, org: &str, state: AlertStateFilter) -> Result<Vec<Alert>> {
    let condition = match state {
        AlertStateFilter::Open => "AND resolved_at IS NULL",
        AlertStateFilter::Resolved => "AND resolved_at IS NOT NULL",
        AlertStateFilter::All => "",
    };
    let rows = sqlx::query(&format!(
        "SELECT {ALERT_COLUMNS} FROM alerts WHERE org = $1 {condition} ORDER BY id DESC"
    ))
    .bind(org)
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode::alert).collect()
}
