//! Rows of the operator's reads (waiting counts, pages of waiting
//! recipients, selections) into the store's values, and the operator
//! event the back ends write for each recipient an action moves, the same
//! for every back end (see `columns::ColumnRow`).

use crate::columns::{
    ColumnRow, count_to_u32, count_to_u64, id_from_db, json_to_db, key_from_db, state_from_db,
};
use crate::{
    ConnectorChoice, PendingRecipient, QueueSelection, Result, SelectedMessage, WaitingCount,
};
use mailflow_core::{Event, EventKind, MessageId, RecipientState};
use time::OffsetDateTime;

/// Rows of `connector, pending, in_flight, suspended` per connector: what
/// waits to go (queued or deferred) is the pending less the others.
pub fn waiting_counts<R: ColumnRow>(rows: &[R]) -> Result<Vec<WaitingCount>> {
    let mut counts = Vec::new();
    for row in rows {
        let connector = key_from_db(row.text("connector")?);
        let pending = count_to_u64("pending", row.int("pending")?)?;
        let in_flight = count_to_u64("in_flight", row.int("in_flight")?)?;
        let suspended = count_to_u64("suspended", row.int("suspended")?)?;
        let to_go = pending.saturating_sub(in_flight + suspended);
        for (state, recipients) in [
            (RecipientState::Queued, to_go),
            (RecipientState::Suspended, suspended),
        ] {
            if recipients > 0 {
                counts.push(WaitingCount {
                    connector: connector.clone(),
                    state,
                    recipients,
                });
            }
        }
    }
    // A few rows: ordered here rather than by a sort in the statement.
    counts.sort_by(|a, b| (&a.connector, a.state.as_str()).cmp(&(&b.connector, b.state.as_str())));
    Ok(counts)
}

/// A row of `message_id, idx, address, route_connector, next_hop`, and
/// `state` unless the read was of one `state`.
pub fn pending_recipient(
    row: &impl ColumnRow,
    state: Option<RecipientState>,
) -> Result<PendingRecipient> {
    Ok(PendingRecipient {
        message_id: id_from_db(&row.bytes("message_id")?)?,
        index: count_to_u32("idx", row.int("idx")?)?,
        address: row.text("address")?,
        state: match state {
            Some(state) => state,
            None => state_from_db(&row.text("state")?)?,
        },
        connector: row.opt_text("route_connector")?,
        next_hop: row.text("next_hop")?,
    })
}

/// Rows of picked recipients in (message, index) order, as messages.
pub fn selected_messages<R: ColumnRow>(rows: &[R]) -> Result<Vec<SelectedMessage>> {
    let mut messages: Vec<SelectedMessage> = Vec::new();
    for row in rows {
        let recipient = pending_recipient(row, None)?;
        match messages.last_mut() {
            Some(message) if message.id == recipient.message_id => {
                message.recipients.push(recipient)
            }
            _ => messages.push(SelectedMessage {
                id: recipient.message_id,
                recipients: vec![recipient],
            }),
        }
    }
    Ok(messages)
}

/// The connectors a selection seeks in when it names one (`None` in the
/// list: MX routing); `None` when it names none, and every connector with
/// pending mail in the organisation is sought.
pub fn chosen_connectors(selection: &QueueSelection) -> Option<Vec<Option<String>>> {
    match &selection.connector {
        Some(ConnectorChoice::Named(name)) => Some(vec![Some(name.clone())]),
        Some(ConnectorChoice::Mx) => Some(vec![None]),
        None => None,
    }
}

/// The pending states a selection seeks in: the one chosen, or all.
pub fn selected_states(selection: &QueueSelection) -> Vec<RecipientState> {
    match selection.state {
        Some(state) => vec![state],
        None => RecipientState::ALL
            .into_iter()
            .filter(|state| state.is_pending())
            .collect(),
    }
}

/// The JSON of an operator event of `action` by `actor` at `now`, with no
/// message or recipient yet (the statement that writes the events sets
/// them per row), and the event kind's name.
pub fn operator_event_template(
    action: &str,
    actor: &str,
    now: OffsetDateTime,
) -> (String, &'static str) {
    let kind = EventKind::Operator {
        action: action.to_string(),
        actor: actor.to_string(),
    };
    let kind_name = crate::columns::event_kind_name(&kind);
    let template = json_to_db(&Event {
        at: now,
        message_id: MessageId(uuid::Uuid::nil()),
        recipient: None,
        next_hop: None,
        connector: None,
        kind,
    });
    (template, kind_name)
}
