//! Messages newest first, as listings and traces ask for them (see
//! `crate::message_query`) when no recipient's address or code leads the
//! walk (see `by_recipient`): one
//! prepared statement per index that leads it — the message's id, its
//! `Message-ID:` header, its sender (`messages_sender`), or else its
//! arrival (`messages_received`) — the other conditions typed parameters
//! that are NULL when not asked, and the arrival range always bound (an
//! open end is the widest bound there is, as in `by_recipient`), so that
//! a generic plan seeks as a plan made for the values would.

use super::by_recipient::upper_bound;
use crate::columns::{id_to_db, limit_to_db, time_to_db};
use crate::message_query::MessageQuery;
use crate::postgres::queue::reads::messages_where;
use crate::queue_rows::ENVELOPE_COLUMNS;
use crate::{Result, StoredMessage};
use sqlx::PgPool;

/// The condition that leads the walk, by what is given.
fn lead(query: &MessageQuery<'_>) -> &'static str {
    if query.id.is_some() {
        "m.id = $1"
    } else if query.header.is_some() {
        "m.message_id_header = $2"
    } else if query.sender.is_some() {
        "LOWER(m.sender) = LOWER($3)"
    } else {
        "TRUE"
    }
}

/// `$1` id, `$2` header, `$3` sender, `$4` organisation; arrivals `$5 <=`
/// and `(arrival, id) < ($6, $7)`; of one recipient `$8` address, `$9`
/// state, `$10` connector, `$12` last error code; `$11` messages at most
/// (NULL: no limit).
pub fn sql(lead: &str) -> String {
    format!(
        "SELECT {ENVELOPE_COLUMNS} FROM messages m WHERE {lead} \
         AND ($1::bytea IS NULL OR m.id = $1) \
         AND ($2::text IS NULL OR m.message_id_header = $2) \
         AND ($3::text IS NULL OR LOWER(m.sender) = LOWER($3)) \
         AND ($4::text IS NULL OR m.org = $4) \
         AND m.received_at >= $5 AND (m.received_at, m.id) < ($6, $7) \
         AND (COALESCE($8::text, $9::text, $10::text, $12::text) IS NULL \
              OR EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id \
                 AND ($8::text IS NULL OR LOWER(r.address) = LOWER($8)) \
                 AND ($9::text IS NULL OR r.state = $9) \
                 AND ($10::text IS NULL OR r.route_connector = $10) \
                 AND ($12::text IS NULL OR r.last_error_code = $12))) \
         ORDER BY m.received_at DESC, m.id DESC LIMIT $11"
    )
}

/// The messages the query asks for, newest first, each with its
/// recipients.
pub async fn messages(pool: &PgPool, query: &MessageQuery<'_>) -> Result<Vec<StoredMessage>> {
    let sql = sql(lead(query));
    let (until, until_id) = upper_bound(query.received_before, query.after);
    let statement = sqlx::query(&sql)
        .bind(query.id.map(id_to_db))
        .bind(query.header)
        .bind(query.sender)
        .bind(query.org)
        .bind(query.received_after.map_or(i64::MIN, time_to_db))
        .bind(until)
        .bind(until_id)
        .bind(query.address)
        .bind(query.state.map(|state| state.as_str()))
        .bind(query.connector)
        .bind((query.limit > 0).then(|| limit_to_db(query.limit)))
        .bind(query.code);
    messages_where(pool, statement).await
}

#[cfg(test)]
mod tests {
    use crate::postgres::plans::PlanSchema;

    #[tokio::test]
    async fn each_lead_is_sought_in_its_index() {
        let mut schema = PlanSchema::new().await;
        // An id or a header finds one message or a few: sorted as found.
        let found = [
            ("m.id = $1", "messages_pkey"),
            ("m.message_id_header = $2", "messages_message_id_header"),
        ];
        for (lead, index) in found {
            let sql = super::sql(lead);
            schema.assert_reads(&sql, &[index, "recipients_pkey"]).await;
        }
        // A sender or the arrivals are walked newest first, a page at a time.
        let walked = [
            ("LOWER(m.sender) = LOWER($3)", "messages_sender"),
            ("TRUE", "messages_received"),
        ];
        for (lead, index) in walked {
            let sql = super::sql(lead);
            schema
                .assert_walks_in_order(&sql, &[index, "recipients_pkey"])
                .await;
        }
    }
}
