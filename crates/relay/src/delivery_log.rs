//! One structured log record per delivery event (SPEC 7), written from the
//! same events the store keeps, so logs and trace never disagree.

use mailflow_core::{Event, EventKind};

pub(crate) fn log(events: &[Event]) {
    for event in events {
        let message_id = event.message_id.to_string();
        let recipient = event.recipient.as_deref().unwrap_or("");
        let connector = event.connector.as_deref().unwrap_or("");
        match &event.kind {
            EventKind::Delivered { reply, server } => tracing::info!(
                event = "delivered", %message_id, recipient, connector,
                server = server.as_deref().unwrap_or(""), reply = %reply
            ),
            EventKind::Deferred {
                diagnosis,
                next_attempt_at,
            } => tracing::warn!(
                event = "deferred", %message_id, recipient, connector,
                code = %diagnosis.code(), category = %diagnosis.category(), detail = %diagnosis.detail(),
                next_attempt_at = %mailflow_core::TextTime(*next_attempt_at)
            ),
            EventKind::Failed { diagnosis } => tracing::warn!(
                event = "failed", %message_id, recipient, connector,
                code = %diagnosis.code(), category = %diagnosis.category(), detail = %diagnosis.detail()
            ),
            EventKind::NdrSent { ndr_id } => {
                tracing::info!(event = "ndr_sent", %message_id, ndr_id = %ndr_id)
            }
            EventKind::DelayNoticeSent => tracing::info!(event = "delay_notice_sent", %message_id),
            EventKind::Recovered { node } => tracing::warn!(
                event = "recovered", %message_id, recipient, node = %node,
                "queued again after its node stopped mid-delivery; it may be delivered twice"
            ),
            _ => {}
        }
    }
}
