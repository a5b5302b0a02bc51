//! Writing accepted messages, many to a commit (see `group`).
//!
//! A batch is written with one statement per table, whatever its size (see
//! `json_rows`). The bodies are in the spool by then, written one after the
//! other straight from each message's chunks (see `spool`); the message
//! rows say where. A message's recipients are due at once, or when
//! their next hop's hold ends. The message's `received` event is written in
//! the same transaction, so that its trace starts where the queue does,
//! with a `routed` event for each recipient the receiver routed.

use super::codec::{json_to_db, ret_to_db, time_to_db};
use super::json_rows;
use super::spool::BodyAt;
use crate::{NewMessage, Result};
use mailflow_core::Event;
use tokio::sync::oneshot;

pub struct AcceptRequest {
    pub message: NewMessage,
    pub answer: oneshot::Sender<Result<()>>,
}

/// Sent ahead of a transaction that holds accepted messages: a `250` is
/// only said once the message is on disk (see `writer`).
pub const SYNCED: &str = "PRAGMA synchronous = FULL";
/// Sent after it: the relay's bookkeeping that follows skips the fsync.
pub const RELAXED_AFTER: &str = "PRAGMA synchronous = NORMAL";

/// Writes the messages: the JSON rows say where each body lies in the
/// spool.
pub const INSERT_MESSAGES: &str = "WITH m (value) AS MATERIALIZED \
     (SELECT jsonb(value) FROM json_each(?)) \
     INSERT INTO messages (id, org, sender, received_at, \
     expires_at, dsn_ret, dsn_envid, size, delay_notice_sent, pending, body, \
     body_segment, body_offset, message_id_header, eight_bit) \
     SELECT unhex(m.value ->> 0), m.value ->> 1, m.value ->> 2, m.value ->> 3, \
     m.value ->> 4, m.value ->> 5, m.value ->> 6, m.value ->> 7, 0, m.value ->> 8, x'', \
     m.value ->> 9, m.value ->> 10, m.value ->> 11, m.value ->> 12 FROM m";

/// Writes the recipients. A recipient is due at once, or when its next
/// hop's hold ends (see `holds`).
pub const INSERT_RECIPIENTS: &str = "WITH r (value) AS MATERIALIZED \
     (SELECT jsonb(value) FROM json_each(?)) \
     INSERT INTO recipients (message_id, idx, address, \
     dsn_notify, dsn_orcpt, route_connector, route_domain, next_hop, org, received_at, \
     state, attempts, next_attempt_at, updated_at) \
     SELECT unhex(r.value ->> 0), r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, \
     r.value ->> 5, r.value ->> 6, r.value ->> 7, r.value ->> 8, r.value ->> 9, 'queued', 0, \
     MAX(r.value ->> 9, COALESCE(h.until_at, 0)), r.value ->> 9 \
     FROM r LEFT JOIN next_hop_holds h ON h.next_hop = r.value ->> 7";

/// What a batch of accepted messages writes, as the parameters of
/// `INSERT_MESSAGES` and `INSERT_RECIPIENTS` and the `received` events.
pub struct AcceptRows {
    pub messages: String,
    pub recipients: String,
    pub events: Vec<Event>,
}

impl AcceptRows {
    /// `spooled` is where the spool put the batch's `bodies`.
    pub fn new(messages: &[&NewMessage], spooled: BodyAt) -> AcceptRows {
        let mut message_rows = Vec::with_capacity(messages.len());
        let mut offset = spooled.offset;
        for message in messages {
            let at = offset;
            offset += message.body.len() as u64;
            message_rows.push((
                json_rows::id(message.id),
                &message.org,
                &message.sender,
                time_to_db(message.received_at),
                time_to_db(message.expires_at),
                message.dsn.ret.map(ret_to_db),
                &message.dsn.envid,
                message.body.len(),
                i64::from(!message.recipients.is_empty()),
                spooled.segment,
                at,
                &message.message_id_header,
                i64::from(!message.body.is_ascii()),
            ));
        }
        let recipients = json_rows::array(messages.iter().flat_map(|message| {
            message
                .recipients
                .iter()
                .enumerate()
                .map(move |(index, recipient)| {
                    (
                        json_rows::id(message.id),
                        index,
                        &recipient.address,
                        recipient.dsn.notify.as_ref().map(json_to_db),
                        &recipient.dsn.orcpt,
                        &recipient.route.connector,
                        &recipient.route.domain,
                        &recipient.next_hop,
                        &message.org,
                        time_to_db(message.received_at),
                    )
                })
        }));
        AcceptRows {
            messages: json_rows::array(message_rows),
            recipients,
            events: messages.iter().flat_map(|m| m.arrival_events()).collect(),
        }
    }
}
