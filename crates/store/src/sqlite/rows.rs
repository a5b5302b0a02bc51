//! Turning result rows into the store's values.
//!
//! The column lists live next to their decoders so that a query that
//! selects `ENVELOPE_COLUMNS` can always be read with `envelope`.

use super::codec::{
    count_to_u32, count_to_u64, id_from_db, json_from_db, opt_json_from_db, ret_from_db,
    state_from_db, time_from_db,
};
use crate::{NextHopHold, Result, StoredMessage, StoredRecipient};
use mailflow_core::{DsnEnvelope, DsnRecipient, MessageId, Route};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

/// The columns of `messages` every reader wants (not the body).
pub const ENVELOPE_COLUMNS: &str = "id, org, sender, received_at, expires_at, dsn_ret, dsn_envid, message_id_header, size, \
     delay_notice_sent";

/// The columns of `recipients` that make a `StoredRecipient`, read from
/// `recipients` unaliased. A waiting recipient of a held next hop is due
/// when the hold ends (see `holds`), and reads say so.
pub const RECIPIENT_COLUMNS: &str = "message_id, idx, address, dsn_notify, dsn_orcpt, \
     route_connector, route_domain, next_hop, state, attempts, \
     CASE WHEN state IN ('queued', 'deferred') THEN MAX(next_attempt_at, \
       COALESCE((SELECT h.until_at FROM next_hop_holds h WHERE h.next_hop = recipients.next_hop), \
       next_attempt_at)) ELSE next_attempt_at END AS next_attempt_at, \
     last_error, delivered_reply, updated_at";

pub const HOLD_COLUMNS: &str = "next_hop, until_at, failures, diagnosis";

/// A message without its recipients.
pub struct Envelope {
    pub id: MessageId,
    pub org: String,
    pub sender: String,
    pub received_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub dsn: DsnEnvelope,
    pub message_id_header: Option<String>,
    pub size: u64,
    pub delay_notice_sent: bool,
}

impl Envelope {
    pub fn with_recipients(self, recipients: Vec<StoredRecipient>) -> StoredMessage {
        StoredMessage {
            id: self.id,
            org: self.org,
            sender: self.sender,
            received_at: self.received_at,
            expires_at: self.expires_at,
            dsn: self.dsn,
            message_id_header: self.message_id_header,
            size: self.size,
            delay_notice_sent: self.delay_notice_sent,
            recipients,
        }
    }
}

pub fn envelope(row: &SqliteRow) -> Result<Envelope> {
    let ret: Option<String> = row.try_get("dsn_ret")?;
    Ok(Envelope {
        id: id_from_db(row.try_get("id")?)?,
        org: row.try_get("org")?,
        sender: row.try_get("sender")?,
        received_at: time_from_db(row.try_get("received_at")?),
        expires_at: time_from_db(row.try_get("expires_at")?),
        dsn: DsnEnvelope {
            ret: ret.as_deref().map(ret_from_db).transpose()?,
            envid: row.try_get("dsn_envid")?,
        },
        message_id_header: row.try_get("message_id_header")?,
        size: count_to_u64("size", row.try_get("size")?)?,
        delay_notice_sent: row.try_get("delay_notice_sent")?,
    })
}

/// The recipient's message id, for grouping rows of several messages.
pub fn recipient_message_id(row: &SqliteRow) -> Result<MessageId> {
    id_from_db(row.try_get("message_id")?)
}

pub fn dsn_recipient(row: &SqliteRow) -> Result<DsnRecipient> {
    Ok(DsnRecipient {
        notify: opt_json_from_db("dsn_notify", row.try_get("dsn_notify")?)?,
        orcpt: row.try_get("dsn_orcpt")?,
    })
}

pub fn route(row: &SqliteRow) -> Result<Route> {
    Ok(Route {
        connector: row.try_get("route_connector")?,
        domain: row.try_get("route_domain")?,
    })
}

pub fn recipient(row: &SqliteRow) -> Result<StoredRecipient> {
    let next_attempt_at: Option<i64> = row.try_get("next_attempt_at")?;
    let state: String = row.try_get("state")?;
    Ok(StoredRecipient {
        index: count_to_u32("idx", row.try_get("idx")?)?,
        address: row.try_get("address")?,
        dsn: dsn_recipient(row)?,
        route: route(row)?,
        next_hop: row.try_get("next_hop")?,
        state: state_from_db(&state)?,
        attempts: count_to_u32("attempts", row.try_get("attempts")?)?,
        next_attempt_at: next_attempt_at.map(time_from_db),
        last_error: opt_json_from_db("last_error", row.try_get("last_error")?)?,
        delivered_reply: row.try_get("delivered_reply")?,
        updated_at: time_from_db(row.try_get("updated_at")?),
    })
}

pub fn hold(row: &SqliteRow) -> Result<NextHopHold> {
    let diagnosis: String = row.try_get("diagnosis")?;
    Ok(NextHopHold {
        next_hop: row.try_get("next_hop")?,
        until: time_from_db(row.try_get("until_at")?),
        failures: count_to_u32("failures", row.try_get("failures")?)?,
        diagnosis: json_from_db("diagnosis", &diagnosis)?,
    })
}
