//! The JSON shapes of the queue as the API shows it. They are built from the
//! stored values; a last error's code, reply, category and detail all come
//! from the one `Diagnosis`, never from re-reading a string.

use mailflow_core::Route;
use mailflow_store::{LastError, StoredMessage, StoredRecipient};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A message and the state of each of its recipients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MessageView {
    pub id: String,
    /// The envelope sender; empty for the null sender `<>`.
    pub sender: String,
    /// RFC 3339.
    pub received_at: String,
    /// When the message is given up on (RFC 3339).
    pub expires_at: String,
    /// The connector of the first recipient routed through one; `null` when
    /// every recipient goes by MX as ordinary internet mail.
    pub connector: Option<String>,
    /// Bytes, as stored.
    pub size: u64,
    /// The message's own `Message-ID:` header, without its angle brackets.
    #[serde(default)]
    pub message_id_header: Option<String>,
    pub recipients: Vec<RecipientView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecipientView {
    pub address: String,
    /// `queued`, `in_flight`, `deferred`, `delivered`, `failed` or `suspended`.
    pub state: String,
    pub attempts: u32,
    /// RFC 3339; `null` when no attempt is planned.
    pub next_attempt_at: Option<String>,
    pub connector: Option<String>,
    /// The queue the recipient waits in, e.g. `to-onprem` or `mx/fabrikam.test`.
    pub next_hop: String,
    pub last_error: Option<LastErrorView>,
}

/// The diagnosis of a recipient's latest failed attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LastErrorView {
    /// The enhanced status code, e.g. `4.4.316`.
    pub code: String,
    /// The whole reply line, e.g. `450 4.4.316 connection refused by 127.0.0.1:25`.
    pub reply: String,
    /// e.g. `connection_refused`.
    pub category: String,
    pub detail: String,
    /// The server the diagnosis came from (`ip:port`, or a name that did not resolve).
    pub server: Option<String>,
    /// RFC 3339.
    pub at: String,
}

impl From<&StoredMessage> for MessageView {
    fn from(message: &StoredMessage) -> Self {
        MessageView {
            id: message.id.to_string(),
            sender: message.sender.clone(),
            received_at: rfc3339(message.received_at),
            expires_at: rfc3339(message.expires_at),
            connector: message
                .recipients
                .iter()
                .find_map(|r| r.route.connector.clone()),
            size: message.size,
            message_id_header: message.message_id_header.clone(),
            recipients: message
                .recipients
                .iter()
                .map(|recipient| RecipientView::new(recipient, &message.org))
                .collect(),
        }
    }
}

impl RecipientView {
    /// A recipient of a message of `org`, whose operators see its next hop
    /// without the organisation in front.
    fn new(recipient: &StoredRecipient, org: &str) -> Self {
        RecipientView {
            address: recipient.address.clone(),
            state: recipient.state.as_str().into(),
            attempts: recipient.attempts,
            next_attempt_at: recipient.next_attempt_at.map(rfc3339),
            connector: recipient.route.connector.clone(),
            next_hop: Route::hop_in_org(org, &recipient.next_hop).to_string(),
            last_error: recipient.last_error.as_ref().map(LastErrorView::from),
        }
    }
}

impl From<&LastError> for LastErrorView {
    fn from(last: &LastError) -> Self {
        let diagnosis = &last.diagnosis;
        LastErrorView {
            code: diagnosis.code().to_string(),
            reply: diagnosis.reply(),
            category: diagnosis.category().as_str().into(),
            detail: diagnosis.detail(),
            server: last.server.clone(),
            at: rfc3339(last.at),
        }
    }
}

/// RFC 3339 in UTC, to the millisecond (`mailflow_core::json_time`).
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    mailflow_core::json_time(at)
}
