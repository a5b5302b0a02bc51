//! The message trace: messages found by id (mailflow's or their
//! `Message-ID:` header's), sender, recipient, time and status (see
//! `operator::listing`), each with every event recorded about it, oldest
//! first.

use super::events;
use crate::insight_rows;
use crate::message_query::MessageQuery;
use crate::postgres::operator::listing;
use crate::{Result, TraceFilter, TracedMessage};
use sqlx::PgPool;

pub async fn trace(pool: &PgPool, filter: &TraceFilter) -> Result<Vec<TracedMessage>> {
    let messages = listing::messages(pool, &MessageQuery::of_trace(filter)).await?;
    let ids: Vec<_> = messages.iter().map(|message| message.id).collect();
    let events = events::of_messages(pool, &ids).await?;
    Ok(insight_rows::traced(messages, events))
}
