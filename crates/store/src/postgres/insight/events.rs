//! Reading messages' events, each message's oldest first (`events_message`:
//! message, time, sequence).

use crate::columns::id_to_db;
use crate::{Result, insight_rows};
use mailflow_core::{Event, MessageId};
use sqlx::PgPool;

const OF_MESSAGES: &str =
    "SELECT event FROM events WHERE message_id = ANY($1) ORDER BY message_id, at, seq";

pub async fn of_message(pool: &PgPool, id: MessageId) -> Result<Vec<Event>> {
    of_messages(pool, &[id]).await
}

pub async fn of_messages(pool: &PgPool, ids: &[MessageId]) -> Result<Vec<Event>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(OF_MESSAGES)
        .bind(ids.iter().map(|id| id_to_db(*id)).collect::<Vec<_>>())
        .fetch_all(pool)
        .await?;
    rows.iter().map(insight_rows::event).collect()
}

#[cfg(test)]
mod tests {
    use crate::postgres::plans::PlanSchema;

    #[tokio::test]
    async fn events_are_read_by_message() {
        let mut schema = PlanSchema::new().await;
        schema
            .assert_reads(super::OF_MESSAGES, &["events_message"])
            .await;
    }
}
