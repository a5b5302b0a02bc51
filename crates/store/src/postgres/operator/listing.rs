//! Listing messages newest first: by a recipient's address or code, the
//! recipients' index is walked (see `by_recipient`); else the messages'
//! own (see `newest_first`), each message tested for a recipient that
//! matches every recipient filter. Traces are read the same way.

use super::{by_recipient, newest_first};
use crate::message_query::MessageQuery;
use crate::{MessageFilter, Result, StoredMessage};
use sqlx::PgPool;

pub async fn list_messages(pool: &PgPool, filter: &MessageFilter) -> Result<Vec<StoredMessage>> {
    messages(pool, &MessageQuery::of_listing(filter)).await
}

/// The messages the query asks for, newest first, with their recipients.
pub async fn messages(pool: &PgPool, query: &MessageQuery<'_>) -> Result<Vec<StoredMessage>> {
    if query.walks_recipients() {
        by_recipient::messages(pool, query).await
    } else {
        newest_first::messages(pool, query).await
    }
}
