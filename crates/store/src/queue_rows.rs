//! Rows of the queue (messages, recipients, holds) into the store's values,
//! the same for every back end: each back end selects the columns named
//! here and hands its rows over (see `columns::ColumnRow`).

use crate::columns::{
    ColumnRow, count_to_u32, count_to_u64, id_from_db, json_from_db, opt_json_from_db, ret_from_db,
    state_from_db,
};
use crate::{NextHopHold, Result, StoredMessage, StoredRecipient};
use mailflow_core::{DsnEnvelope, DsnRecipient, MessageId, Route};
use time::OffsetDateTime;

/// The columns of `messages` every reader wants (not the body).
pub const ENVELOPE_COLUMNS: &str = "id, org, sender, received_at, expires_at, dsn_ret, \
     dsn_envid, message_id_header, size, delay_notice_sent";

/// `ENVELOPE_COLUMNS` of the messages named `table` in a join.
pub fn envelope_columns_of(table: &str) -> String {
    let columns: Vec<String> = ENVELOPE_COLUMNS
        .split(',')
        .map(|column| format!("{table}.{}", column.trim()))
        .collect();
    columns.join(", ")
}

/// The columns of `next_hop_holds` that `hold` reads.
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

/// A row of `ENVELOPE_COLUMNS`.
pub fn envelope(row: &impl ColumnRow) -> Result<Envelope> {
    Ok(Envelope {
        id: id_from_db(&row.bytes("id")?)?,
        org: row.text("org")?,
        sender: row.text("sender")?,
        received_at: row.time("received_at")?,
        expires_at: row.time("expires_at")?,
        dsn: DsnEnvelope {
            ret: row
                .opt_text("dsn_ret")?
                .as_deref()
                .map(ret_from_db)
                .transpose()?,
            envid: row.opt_text("dsn_envid")?,
        },
        message_id_header: row.opt_text("message_id_header")?,
        size: count_to_u64("size", row.int("size")?)?,
        delay_notice_sent: row.flag("delay_notice_sent")?,
    })
}

/// The recipient's message id, for grouping rows of several messages.
pub fn recipient_message_id(row: &impl ColumnRow) -> Result<MessageId> {
    id_from_db(&row.bytes("message_id")?)
}

pub fn dsn_recipient(row: &impl ColumnRow) -> Result<DsnRecipient> {
    Ok(DsnRecipient {
        notify: opt_json_from_db("dsn_notify", row.opt_text("dsn_notify")?)?,
        orcpt: row.opt_text("dsn_orcpt")?,
    })
}

pub fn route(row: &impl ColumnRow) -> Result<Route> {
    Ok(Route {
        connector: row.opt_text("route_connector")?,
        domain: row.text("route_domain")?,
    })
}

/// A row of a back end's recipient columns: `message_id, idx, address,
/// dsn_notify, dsn_orcpt, route_connector, route_domain, next_hop, state,
/// attempts, next_attempt_at, last_error, delivered_reply, updated_at`.
pub fn recipient(row: &impl ColumnRow) -> Result<StoredRecipient> {
    Ok(StoredRecipient {
        index: count_to_u32("idx", row.int("idx")?)?,
        address: row.text("address")?,
        dsn: dsn_recipient(row)?,
        route: route(row)?,
        next_hop: row.text("next_hop")?,
        state: state_from_db(&row.text("state")?)?,
        attempts: count_to_u32("attempts", row.int("attempts")?)?,
        next_attempt_at: row.opt_time("next_attempt_at")?,
        last_error: opt_json_from_db("last_error", row.opt_text("last_error")?)?,
        delivered_reply: row.opt_text("delivered_reply")?,
        updated_at: row.time("updated_at")?,
    })
}

/// A row of `HOLD_COLUMNS`.
pub fn hold(row: &impl ColumnRow) -> Result<NextHopHold> {
    Ok(NextHopHold {
        next_hop: row.text("next_hop")?,
        until: row.time("until_at")?,
        failures: count_to_u32("failures", row.int("failures")?)?,
        diagnosis: json_from_db("diagnosis", &row.text("diagnosis")?)?,
    })
}

/// Owed recipients, read oldest failure first, grouped by message: at most
/// `max_messages` messages, each with its recipients in index order.
pub fn owed_reports(
    rows: impl IntoIterator<Item = (MessageId, u32)>,
    max_messages: usize,
) -> Vec<crate::OwedReport> {
    let mut owed: Vec<crate::OwedReport> = Vec::new();
    for (message_id, index) in rows {
        if let Some(report) = owed.iter_mut().find(|r| r.message_id == message_id) {
            report.indexes.push(index);
        } else if owed.len() < max_messages {
            owed.push(crate::OwedReport {
                message_id,
                indexes: vec![index],
            });
        }
    }
    for report in &mut owed {
        report.indexes.sort_unstable();
    }
    owed
}

/// The columns `recovered_event` reads of a recipient taken back from a
/// node: its row before the change, `lease_node` included.
pub const RECOVERED_COLUMNS: &str =
    "message_id, idx, address, next_hop, route_connector, lease_node";

/// The trace's note that a recipient in flight under another run's lease
/// is queued again at `at` (see `EventKind::Recovered`).
pub fn recovered_event(row: &impl ColumnRow, at: OffsetDateTime) -> Result<mailflow_core::Event> {
    Ok(mailflow_core::Event {
        at,
        message_id: recipient_message_id(row)?,
        recipient: Some(row.text("address")?),
        next_hop: Some(row.text("next_hop")?),
        connector: row.opt_text("route_connector")?,
        kind: mailflow_core::EventKind::Recovered {
            node: row.opt_text("lease_node")?.unwrap_or_default(),
        },
    })
}
