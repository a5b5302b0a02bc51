//! Delivery events: the single record of what happened to a message, from
//! which the trace, the insights and their history are built.

use crate::{Diagnosis, MessageId, RouteReason, Stage};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What one attempt did at one address of the next hop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressResult {
    /// The host name (smart host or MX) the address came from.
    pub host: String,
    /// `ip:port`, or `None` when the name did not resolve.
    pub addr: Option<std::net::SocketAddr>,
    /// How far the conversation got.
    pub stage: Stage,
    /// `None` when this address took the message.
    pub diagnosis: Option<Diagnosis>,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum EventKind {
    Received {
        sender: String,
        recipients: usize,
        size: u64,
        client: String,
    },
    /// Where a recipient was sent at receive, and why; the event's
    /// connector and next hop say where.
    Routed {
        reason: RouteReason,
    },
    Attempt {
        results: Vec<AddressResult>,
    },
    Delivered {
        reply: String,
        server: Option<String>,
    },
    Deferred {
        diagnosis: Diagnosis,
        next_attempt_at: OffsetDateTime,
    },
    Failed {
        diagnosis: Diagnosis,
    },
    DelayNoticeSent,
    /// The node `node` held the recipient in flight and stopped (or lost
    /// its lease) before its outcome was recorded: the recipient is queued
    /// again, and if that node's delivery did reach the next hop, it will
    /// be delivered twice. The only way mailflow can deliver a message
    /// twice, and so said in the trace.
    Recovered {
        node: String,
    },
    NdrSent {
        ndr_id: MessageId,
    },
    Operator {
        action: String,
        actor: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: OffsetDateTime,
    pub message_id: MessageId,
    pub recipient: Option<String>,
    pub next_hop: Option<String>,
    pub connector: Option<String>,
    pub kind: EventKind,
}
