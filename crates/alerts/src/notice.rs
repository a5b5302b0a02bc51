//! What a notification says about an alert: the JSON body POSTed to the
//! webhook, and the facts the e-mail is written from. It is fixed when the
//! notification is queued, so a retry sends exactly the same bytes.
//!
//! Notifications are written in `NOTICE_LANGUAGE`: the organisation's
//! settings name no language yet, and SPEC 5 makes English the default.

use crate::codes::category_of;
use crate::explanation::{AlertExplanation, explain};
use mailflow_ndr::{AlertSituation, Language};
use mailflow_store::{Alert, AlertId, AlertRule};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The language of notifications (webhook explanation and e-mail).
pub const NOTICE_LANGUAGE: Language = Language::English;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    Opened,
    Updated,
    Resolved,
}

impl NoticeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Opened => "opened",
            NoticeStatus::Updated => "updated",
            NoticeStatus::Resolved => "resolved",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertNotice {
    pub alert_id: AlertId,
    pub org: String,
    pub status: NoticeStatus,
    /// `null`: mail routed by MX, without a connector.
    pub connector: Option<String>,
    /// The dominant last-error code of the connector's queue.
    pub code: String,
    /// The category of SPEC section 3, e.g. `connection_refused`.
    pub category: Option<String>,
    /// The latest failure's detail, e.g. `connection refused by 192.0.2.1:25`.
    pub detail: Option<String>,
    /// The server that failure came from.
    pub server: Option<String>,
    pub rule: AlertRule,
    pub queued: u64,
    pub queued_over_age: u64,
    #[serde(with = "mailflow_core::time_format::serde_json_time::option")]
    pub oldest_received_at: Option<OffsetDateTime>,
    #[serde(with = "mailflow_core::time_format::serde_json_time")]
    pub opened_at: OffsetDateTime,
    #[serde(with = "mailflow_core::time_format::serde_json_time::option")]
    pub resolved_at: Option<OffsetDateTime>,
    /// When this notification was written.
    #[serde(with = "mailflow_core::time_format::serde_json_time")]
    pub at: OffsetDateTime,
    /// Invalid-recipient quota: recipients refused as unknown in the last hour.
    #[serde(default)]
    pub invalid_recipients: u64,
    /// Invalid-recipient quota: the client addresses they came from.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Lost bodies: messages failed for a missing body since the alert opened.
    #[serde(default)]
    pub lost_messages: u64,
    /// What is wrong, why, and what to do, in `NOTICE_LANGUAGE`.
    #[serde(default)]
    pub explanation: AlertExplanation,
}

/// The latest failure's detail; for the invalid-recipient quota, the count
/// and its sources.
fn detail(alert: &Alert) -> Option<String> {
    if alert.rule == AlertRule::InvalidRecipients {
        let values = &alert.values;
        return Some(format!(
            "{} recipients refused as unknown in the last hour, from {}",
            values.invalid_recipients,
            values.sources.join(", ")
        ));
    }
    alert
        .values
        .last_error
        .as_ref()
        .map(|e| e.diagnosis.detail())
}

impl AlertNotice {
    pub fn new(alert: &Alert, status: NoticeStatus, at: OffsetDateTime) -> Self {
        let last_error = alert.values.last_error.as_ref();
        AlertNotice {
            alert_id: alert.id,
            org: alert.org.clone(),
            status,
            connector: alert.connector.clone(),
            code: alert.code.clone(),
            category: category_of(&alert.code, last_error).map(|c| c.as_str().to_string()),
            detail: detail(alert),
            server: last_error.and_then(|e| e.server.clone()),
            rule: alert.rule,
            queued: alert.values.queued,
            queued_over_age: alert.values.queued_over_age,
            oldest_received_at: alert.values.oldest_received_at,
            opened_at: alert.opened_at,
            resolved_at: alert.resolved_at,
            at,
            invalid_recipients: alert.values.invalid_recipients,
            sources: alert.values.sources.clone(),
            lost_messages: alert.values.lost_messages,
            explanation: explain(alert, NOTICE_LANGUAGE),
        }
    }

    /// What the alert is about, as the catalogue words it.
    pub fn situation(&self) -> AlertSituation<'_> {
        let connector = self.connector.as_deref();
        let opened_at = self.opened_at;
        let resolved_at = match self.status {
            NoticeStatus::Resolved => Some(self.resolved_at.unwrap_or(self.at)),
            _ => None,
        };
        match (self.rule, resolved_at) {
            (AlertRule::InvalidRecipients, None) => AlertSituation::UnknownRecipients {
                refused: self.invalid_recipients,
                sources: &self.sources,
                opened_at,
            },
            (AlertRule::InvalidRecipients, Some(resolved_at)) => AlertSituation::WithinQuota {
                opened_at,
                resolved_at,
            },
            (AlertRule::LostBodies, None) => AlertSituation::LostBodies {
                connector,
                lost: self.lost_messages,
                opened_at,
            },
            (AlertRule::LostBodies, Some(resolved_at)) => AlertSituation::LostBodiesOver {
                connector,
                opened_at,
                resolved_at,
            },
            (_, None) => AlertSituation::Backlog {
                connector,
                queued: self.queued,
                over_age: self.queued_over_age,
                oldest: self.oldest_received_at,
                opened_at,
            },
            (_, Some(resolved_at)) => AlertSituation::Drained {
                connector,
                opened_at,
                resolved_at,
            },
        }
    }

    /// The connector as people read it.
    pub fn connector_name(&self) -> String {
        NOTICE_LANGUAGE
            .admin_catalogue()
            .connector_name(self.connector.as_deref())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an alert notice serializes to JSON")
    }
}
