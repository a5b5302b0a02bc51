//! Listings and traces narrowed by a recipient's address or last error
//! code (see `crate::message_query`): a walk of `recipients_address`
//! (lower-case address, arrival, message) or `recipients_code` (code,
//! arrival, message) from the newest match, one row per message, that
//! stops after a page.
//!
//! The walk's arrival range and cursor are always bound (an open end is
//! the widest bound there is), so that the one prepared statement of each
//! index reads the same range whatever the page; the other conditions
//! are filters on the entries walked.

use crate::columns::{id_to_db, limit_to_db, time_to_db};
use crate::message_query::MessageQuery;
use crate::postgres::queue::reads::messages_where;
use crate::queue_rows::envelope_columns_of;
use crate::{MessageCursor, Result, StoredMessage};
use sqlx::PgPool;
use time::OffsetDateTime;

/// The messages of the walk, newest first, each with its recipients.
pub async fn messages(pool: &PgPool, walk: &MessageQuery<'_>) -> Result<Vec<StoredMessage>> {
    let (key, code) = match (walk.address, walk.code) {
        (Some(address), code) => (address, code),
        (None, Some(code)) => (code, None),
        (None, None) => return Ok(Vec::new()),
    };
    let sql = walk_sql(walk.address.is_some());
    let (until, until_id) = upper_bound(walk.received_before, walk.after);
    let query = sqlx::query(&sql)
        .bind(key)
        .bind(code)
        .bind(walk.state.map(|state| state.as_str()))
        .bind(walk.connector)
        .bind(walk.org)
        .bind(walk.sender)
        .bind(walk.received_after.map_or(i64::MIN, time_to_db))
        .bind(until)
        .bind(until_id)
        .bind((walk.limit > 0).then(|| limit_to_db(walk.limit)));
    messages_where(pool, query).await
}

/// `$1` the address (or the code) walked, `$2` the code when an address
/// is walked; filters `$3` state, `$4` connector, `$5` organisation, `$6`
/// sender; the range `$7 <= arrival` and `(arrival, message) < ($8, $9)`;
/// `$10` messages at most (NULL: no limit).
pub fn walk_sql(by_address: bool) -> String {
    let key = if by_address {
        "LOWER(r.address) = LOWER($1) AND ($2::text IS NULL OR r.last_error_code = $2)"
    } else {
        "r.last_error_code = $1 AND $2::text IS NULL"
    };
    format!(
        "SELECT DISTINCT ON (r.received_at, r.message_id) {} \
         FROM recipients r JOIN messages m ON m.id = r.message_id \
         WHERE {key} \
           AND ($3::text IS NULL OR r.state = $3) \
           AND ($4::text IS NULL OR r.route_connector = $4) \
           AND ($5::text IS NULL OR m.org = $5) \
           AND ($6::text IS NULL OR LOWER(m.sender) = LOWER($6)) \
           AND r.received_at >= $7 AND (r.received_at, r.message_id) < ($8, $9) \
         ORDER BY r.received_at DESC, r.message_id DESC LIMIT $10",
        envelope_columns_of("m")
    )
}

/// Where a walk newest first starts, as (arrival, message id): before the
/// earlier of the end of the arrival range (`before`) and the page's
/// cursor. Without either, past every entry: no 16-byte message id sorts
/// after 17 bytes of `0xff`.
pub fn upper_bound(before: Option<OffsetDateTime>, after: Option<MessageCursor>) -> (i64, Vec<u8>) {
    let range_end = before.map(|before| (time_to_db(before), Vec::new()));
    let cursor = after.map(|cursor| (time_to_db(cursor.received_at), id_to_db(cursor.id)));
    [range_end, cursor]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or((i64::MAX, vec![0xff; 17]))
}

#[cfg(test)]
mod tests {
    use crate::postgres::plans::PlanSchema;

    #[tokio::test]
    async fn a_walk_reads_its_index_from_the_newest_match_and_sorts_nothing() {
        let mut schema = PlanSchema::new().await;
        let by_address = super::walk_sql(true);
        let indexes = ["recipients_address", "messages_pkey"];
        schema.assert_walks_in_order(&by_address, &indexes).await;
        let by_code = super::walk_sql(false);
        let indexes = ["recipients_code", "messages_pkey"];
        schema.assert_walks_in_order(&by_code, &indexes).await;
    }
}
