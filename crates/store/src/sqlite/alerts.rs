//! Alerts and the organisation's alert settings.
//!
//! The one-open-alert-per-connector-and-code rule is kept by the schema (a
//! unique index over open alerts) and by `observe`, which looks for the
//! open alert and updates it, or inserts a new one, in one transaction.

use super::codec::{json_to_db, time_to_db};
use super::settings::{SettingsTable, save_settings, settings_of};
use super::transaction::in_transaction;
use crate::decode::{self, ALERT_COLUMNS};
use crate::{
    Alert, AlertId, AlertObservation, AlertSettings, AlertStateFilter, ObservedAlert, Result,
    StoreError,
};
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;

pub async fn alert_settings(
    conn: &mut SqliteConnection,
    org: &str,
) -> Result<Option<AlertSettings>> {
    settings_of(conn, SettingsTable::Alert, org).await
}

pub async fn save_alert_settings(
    conn: &mut SqliteConnection,
    org: &str,
    settings: &AlertSettings,
) -> Result<()> {
    save_settings(conn, SettingsTable::Alert, org, settings).await
}

/// Merges the observation into the open alert of its connector and code,
/// or opens one.
pub async fn observe(
    conn: &mut SqliteConnection,
    seen: &AlertObservation,
) -> Result<ObservedAlert> {
    in_transaction(conn, async |conn| {
        let open = open_alert_id(conn, seen).await?;
        let opened = open.is_none();
        let id = match open {
            Some(id) => update_values(conn, id, seen).await?,
            None => insert(conn, seen).await?,
        };
        let alert = alert(conn, id).await?.ok_or_else(|| gone(id))?;
        Ok(ObservedAlert { alert, opened })
    })
    .await
}

async fn open_alert_id(
    conn: &mut SqliteConnection,
    seen: &AlertObservation,
) -> Result<Option<AlertId>> {
    let row = sqlx::query(
        "SELECT id FROM alerts WHERE org = ? AND connector IS ? AND code = ? AND resolved_at IS NULL",
    )
    .bind(&seen.org)
    .bind(&seen.connector)
    .bind(&seen.code)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| row.get::<i64, _>("id")))
}

async fn update_values(
    conn: &mut SqliteConnection,
    id: AlertId,
    seen: &AlertObservation,
) -> Result<AlertId> {
    sqlx::query("UPDATE alerts SET updated_at = ?, rule = ?, last_values = ? WHERE id = ?")
        .bind(time_to_db(seen.at))
        .bind(seen.rule.as_str())
        .bind(json_to_db(&seen.values))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(id)
}

async fn insert(conn: &mut SqliteConnection, seen: &AlertObservation) -> Result<AlertId> {
    let at = time_to_db(seen.at);
    let row = sqlx::query(
        "INSERT INTO alerts (org, connector, code, rule, opened_at, updated_at, last_values) \
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&seen.org)
    .bind(&seen.connector)
    .bind(&seen.code)
    .bind(seen.rule.as_str())
    .bind(at)
    .bind(at)
    .bind(json_to_db(&seen.values))
    .fetch_one(conn)
    .await?;
    Ok(row.get::<i64, _>("id"))
}

/// Resolves the open queue alerts of one connector (not the invalid-recipient
/// quota's, which `resolve_alert` ends); returns them as resolved.
pub async fn resolve(
    conn: &mut SqliteConnection,
    org: &str,
    connector: Option<&str>,
    at: OffsetDateTime,
) -> Result<Vec<Alert>> {
    in_transaction(conn, async |conn| {
        let rows = sqlx::query(
            "UPDATE alerts SET resolved_at = ?, updated_at = ? \
             WHERE org = ? AND connector IS ? AND resolved_at IS NULL \
             AND rule IN ('queued_count', 'oldest_age') RETURNING id",
        )
        .bind(time_to_db(at))
        .bind(time_to_db(at))
        .bind(org)
        .bind(connector)
        .fetch_all(&mut *conn)
        .await?;
        let mut resolved = Vec::with_capacity(rows.len());
        for id in rows.iter().map(|row| row.get::<i64, _>("id")) {
            resolved.push(alert(conn, id).await?.ok_or_else(|| gone(id))?);
        }
        Ok(resolved)
    })
    .await
}

pub async fn acknowledge(
    conn: &mut SqliteConnection,
    id: AlertId,
    actor: &str,
    at: OffsetDateTime,
) -> Result<Option<Alert>> {
    sqlx::query("UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?")
        .bind(time_to_db(at))
        .bind(actor)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    alert(conn, id).await
}

pub async fn alert(conn: &mut SqliteConnection, id: AlertId) -> Result<Option<Alert>> {
    let row = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode::alert).transpose()
}

/// The organisation's alerts, newest first.
pub async fn list(
    conn: &mut SqliteConnection,
    org: &str,
    state: AlertStateFilter,
) -> Result<Vec<Alert>> {
    let condition = match state {
        AlertStateFilter::Open => "AND resolved_at IS NULL",
        AlertStateFilter::Resolved => "AND resolved_at IS NOT NULL",
        AlertStateFilter::All => "",
    };
    let rows = sqlx::query(&format!(
        "SELECT {ALERT_COLUMNS} FROM alerts WHERE org = ? {condition} ORDER BY id DESC"
    ))
    .bind(org)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode::alert).collect()
}

fn gone(id: AlertId) -> StoreError {
    StoreError::Corrupt(format!("alert {id} vanished inside its own transaction"))
}
