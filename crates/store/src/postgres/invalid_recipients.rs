//! Recipients refused as unknown, per organisation and client, for the
//! invalid-recipient quota.

use crate::columns::time_to_db;
use crate::decode;
use crate::{InvalidRecipientSource, Result};
use sqlx::PgPool;
use time::OffsetDateTime;

pub async fn record(pool: &PgPool, org: &str, client: &str, at: OffsetDateTime) -> Result<()> {
    sqlx::query("INSERT INTO invalid_recipients (org, client, at) VALUES ($1, $2, $3)")
        .bind(org)
        .bind(client)
        .bind(time_to_db(at))
        .execute(pool)
        .await?;
    Ok(())
}

/// Refusals per client at or after `since`, most first.
pub async fn since(
    pool: &PgPool,
    org: &str,
    since: OffsetDateTime,
) -> Result<Vec<InvalidRecipientSource>> {
    let rows = sqlx::query(
        "SELECT client, COUNT(*) AS n FROM invalid_recipients WHERE org = $1 AND at >= $2 \
         GROUP BY client ORDER BY n DESC, client",
    )
    .bind(org)
    .bind(time_to_db(since))
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode::invalid_recipient_source).collect()
}

pub async fn prune(pool: &PgPool, before: OffsetDateTime) -> Result<u64> {
    let done = sqlx::query("DELETE FROM invalid_recipients WHERE at < $1")
        .bind(time_to_db(before))
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
