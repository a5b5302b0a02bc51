//! A message put straight into the queue, as the receiver would have put
//! it: for tests of an organisation whose mail the node's SMTP listener
//! does not take yet.

use mailflow_core::{MessageId, Route, RouteReason};
use mailflow_store::{NewMessage, NewRecipient};
use std::time::Duration;
use time::OffsetDateTime;

/// A message of `org` from bob@example.test to alice@contoso.test through
/// the organisation's `to-onprem` (smart hosts), received at `now`.
pub fn queued_message(org: &str, now: OffsetDateTime, subject: &str) -> NewMessage {
    let route = Route {
        connector: Some("to-onprem".into()),
        domain: "contoso.test".into(),
    };
    NewMessage {
        message_id_header: None,
        id: MessageId::new(),
        org: org.into(),
        sender: "bob@example.test".into(),
        client: "192.0.2.7".into(),
        received_at: now,
        expires_at: now + Duration::from_secs(24 * 3600),
        dsn: Default::default(),
        body: format!("Subject: {subject}\r\n\r\nhello\r\n")
            .into_bytes()
            .into(),
        recipients: vec![NewRecipient {
            reason: Some(RouteReason::PartnerDomain {
                domain: "contoso.test".into(),
            }),
            address: "alice@contoso.test".into(),
            dsn: Default::default(),
            next_hop: route.next_hop(org, true),
            route,
        }],
    }
}
