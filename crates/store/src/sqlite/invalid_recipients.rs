//! Recipients refused as unknown, per organisation and client, for the
//! invalid-recipient quota; and resolving one alert by id (the quota's
//! alert is not tied to a connector's queue).

use super::alerts::alert;
use super::codec::time_to_db;
use crate::decode;
use crate::{Alert, AlertId, InvalidRecipientSource, Result};
use sqlx::SqliteConnection;
use time::OffsetDateTime;

pub async fn record(
    conn: &mut SqliteConnection,
    org: &str,
    client: &str,
    at: OffsetDateTime,
) -> Result<()> {
    sqlx::query("INSERT INTO invalid_recipients (org, client, at) VALUES (?, ?, ?)")
        .bind(org)
        .bind(client)
        .bind(time_to_db(at))
        .execute(conn)
        .await?;
    Ok(())
}

/// Refusals per client at or after `since`, most first.
pub async fn since(
    conn: &mut SqliteConnection,
    org: &str,
    since: OffsetDateTime,
) -> Result<Vec<InvalidRecipientSource>> {
    let rows = sqlx::query(
        "SELECT client, COUNT(*) AS n FROM invalid_recipients WHERE org = ? AND at >= ? \
         GROUP BY client ORDER BY n DESC, client",
    )
    .bind(org)
    .bind(time_to_db(since))
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode::invalid_recipient_source).collect()
}

pub async fn prune(conn: &mut SqliteConnection, before: OffsetDateTime) -> Result<u64> {
    let done = sqlx::query("DELETE FROM invalid_recipients WHERE at < ?")
        .bind(time_to_db(before))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn resolve_alert(
    conn: &mut SqliteConnection,
    id: AlertId,
    at: OffsetDateTime,
) -> Result<Option<Alert>> {
    sqlx::query(
        "UPDATE alerts SET resolved_at = ?, updated_at = ? WHERE id = ? AND resolved_at IS NULL",
    )
    .bind(time_to_db(at))
    .bind(time_to_db(at))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    alert(conn, id).await
}
