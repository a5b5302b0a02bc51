//! The JSON shape of a message trace: the message as the queue shows it and
//! every event recorded about it, oldest first. Codes, categories and
//! details come from the events' typed diagnoses.

use crate::views::{MessageView, rfc3339};
use mailflow_core::{AddressResult, Diagnosis, Event, EventKind, Route, RouteReason};
use mailflow_insight::Language;
use mailflow_store::TracedMessage;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TraceView {
    pub message: MessageView,
    pub events: Vec<EventView>,
}

/// One thing that happened to the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    /// RFC 3339.
    pub at: String,
    /// `received`, `routed`, `attempt`, `delivered`, `deferred`, `failed`,
    /// `delay_notice_sent`, `recovered`, `ndr_sent` or `operator`.
    #[serde(rename = "type")]
    pub kind: String,
    pub recipient: Option<String>,
    pub connector: Option<String>,
    pub next_hop: Option<String>,
    /// The enhanced code of a deferral or failure.
    pub code: Option<String>,
    pub category: Option<String>,
    pub detail: Option<String>,
    /// The server's reply: the failure's whole reply line, or the delivery's.
    pub reply: Option<String>,
    /// The server that delivered.
    pub server: Option<String>,
    /// For a deferral (RFC 3339).
    pub next_attempt_at: Option<String>,
    /// For `routed`: why the recipient took its connector and next hop:
    /// `accepted_domain`, `partner_domain` or `mx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `recovered`: the node that held the recipient in flight when it
    /// stopped; its delivery may have reached the next hop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// For an attempt: each address tried, in order.
    pub addresses: Vec<AddressView>,
    /// One line for people, in the language asked for.
    pub summary: String,
}

/// What an attempt did at one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddressView {
    pub host: String,
    /// `ip:port`; `null` when the name did not resolve.
    pub address: Option<String>,
    /// How far the conversation got: `dns`, `connect`, `greeting`, `ehlo`, …
    pub stage: String,
    /// `null` when this address took the message.
    pub code: Option<String>,
    pub detail: Option<String>,
    pub elapsed_ms: u64,
}

impl TraceView {
    /// The message and its events, summarised in `language`.
    pub fn new(traced: &TracedMessage, language: Language) -> Self {
        TraceView {
            message: MessageView::from(&traced.message),
            events: traced
                .events
                .iter()
                .map(|event| EventView::new(event, &traced.message.org, language))
                .collect(),
        }
    }
}

impl EventView {
    /// An event of a message of `org`, whose operators see its next hop
    /// without the organisation in front.
    pub fn new(event: &Event, org: &str, language: Language) -> Self {
        let event = &Event {
            next_hop: event
                .next_hop
                .as_deref()
                .map(|hop| Route::hop_in_org(org, hop).to_string()),
            ..event.clone()
        };
        let mut view = EventView {
            at: rfc3339(event.at),
            kind: String::new(),
            recipient: event.recipient.clone(),
            connector: event.connector.clone(),
            next_hop: event.next_hop.clone(),
            code: None,
            category: None,
            detail: None,
            reply: None,
            server: None,
            next_attempt_at: None,
            reason: None,
            node: None,
            addresses: Vec::new(),
            summary: language.operations_catalogue().event_summary(event),
        };
        describe(&mut view, &event.kind);
        view
    }
}

/// The event's type and the typed facts it carries.
fn describe(view: &mut EventView, kind: &EventKind) {
    let name = match kind {
        EventKind::Received { .. } => "received",
        EventKind::Routed { reason } => {
            view.reason = Some(reason_name(reason).to_string());
            "routed"
        }
        EventKind::Attempt { results } => {
            view.addresses = results.iter().map(AddressView::from).collect();
            "attempt"
        }
        EventKind::Delivered { reply, server } => {
            view.reply = Some(reply.clone());
            view.server = server.clone();
            "delivered"
        }
        EventKind::Deferred {
            diagnosis,
            next_attempt_at,
        } => {
            set_diagnosis(view, diagnosis);
            view.next_attempt_at = Some(rfc3339(*next_attempt_at));
            "deferred"
        }
        EventKind::Failed { diagnosis } => {
            set_diagnosis(view, diagnosis);
            "failed"
        }
        EventKind::DelayNoticeSent => "delay_notice_sent",
        EventKind::Recovered { node } => {
            view.node = Some(node.clone());
            "recovered"
        }
        EventKind::NdrSent { .. } => "ndr_sent",
        EventKind::Operator { .. } => "operator",
    };
    view.kind = name.to_string();
}

fn reason_name(reason: &RouteReason) -> &'static str {
    match reason {
        RouteReason::AcceptedDomain { .. } => "accepted_domain",
        RouteReason::PartnerDomain { .. } => "partner_domain",
        RouteReason::Mx { .. } => "mx",
    }
}

fn set_diagnosis(view: &mut EventView, diagnosis: &Diagnosis) {
    view.code = Some(diagnosis.code().to_string());
    view.category = Some(diagnosis.category().as_str().to_string());
    view.detail = Some(diagnosis.detail());
    view.reply = Some(diagnosis.reply());
}

impl From<&AddressResult> for AddressView {
    fn from(result: &AddressResult) -> Self {
        AddressView {
            host: result.host.clone(),
            address: result.addr.map(|addr| addr.to_string()),
            stage: result.stage.as_str().to_string(),
            code: result.diagnosis.as_ref().map(|d| d.code().to_string()),
            detail: result.diagnosis.as_ref().map(Diagnosis::detail),
            elapsed_ms: result.elapsed_ms,
        }
    }
}
