//! The values of alerts as the store keeps them: an organisation's alert
//! settings, the alerts themselves (one open alert per connector and code),
//! and the notification outbox that carries them to webhooks and inboxes.
//!
//! They live with the store because they are organisation state shared by
//! every node; the rules that open and close alerts live in `mailflow-alerts`.

use crate::LastError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;

/// An alert's id: a small number an administrator can type.
pub type AlertId = i64;

/// The thresholds of one connector's alert rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRules {
    /// Rule (a): at least this many recipients queued for longer than `queued_age`.
    pub queued_threshold: u64,
    #[serde(with = "duration_secs")]
    pub queued_age: Duration,
    /// Rule (b): the oldest queued recipient has waited longer than this.
    #[serde(with = "duration_secs")]
    pub oldest_age: Duration,
}

impl Default for AlertRules {
    /// SPEC 4: N = 200, T = 1 hour; the oldest message after 4 hours.
    fn default() -> Self {
        AlertRules {
            queued_threshold: 200,
            queued_age: Duration::from_secs(3600),
            oldest_age: Duration::from_secs(4 * 3600),
        }
    }
}

/// A connector's own thresholds; what it leaves out comes from the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRuleOverrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_threshold: Option<u64>,
    #[serde(
        default,
        with = "opt_duration_secs",
        skip_serializing_if = "Option::is_none"
    )]
    pub queued_age: Option<Duration>,
    #[serde(
        default,
        with = "opt_duration_secs",
        skip_serializing_if = "Option::is_none"
    )]
    pub oldest_age: Option<Duration>,
}

/// An organisation's alert settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertSettings {
    /// The organisation's thresholds.
    pub rules: AlertRules,
    /// Per-connector thresholds, by connector name.
    pub connectors: BTreeMap<String, AlertRuleOverrides>,
    /// Where alerts are POSTed as JSON; `None`: no webhook.
    pub webhook_url: Option<String>,
    /// Signs each webhook body (HMAC-SHA256) so the receiver can trust it.
    pub webhook_secret: Option<String>,
    /// The organisation's administrators, who get alerts by e-mail.
    pub admin_emails: Vec<String>,
    /// Most notifications (all channels together) per organisation per UTC day.
    pub daily_cap: u32,
    /// Messages to unknown recipients per rolling hour before the relay
    /// raises an alert; `None`: no quota.
    pub invalid_recipient_quota: Option<u64>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            rules: AlertRules::default(),
            connectors: BTreeMap::new(),
            webhook_url: None,
            webhook_secret: None,
            admin_emails: Vec::new(),
            daily_cap: 50,
            invalid_recipient_quota: None,
        }
    }
}

impl AlertSettings {
    /// The thresholds in force for a connector (`None`: mail routed by MX).
    pub fn rules_for(&self, connector: Option<&str>) -> AlertRules {
        let defaults = self.rules;
        let Some(own) = connector.and_then(|name| self.connectors.get(name)) else {
            return defaults;
        };
        AlertRules {
            queued_threshold: own.queued_threshold.unwrap_or(defaults.queued_threshold),
            queued_age: own.queued_age.unwrap_or(defaults.queued_age),
            oldest_age: own.oldest_age.unwrap_or(defaults.oldest_age),
        }
    }
}

/// How many recipients one client had refused as unknown in a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRecipientSource {
    /// The client's IP address.
    pub client: String,
    pub count: u64,
}

/// Which rule an alert was opened by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertRule {
    /// At least N recipients queued for longer than T.
    QueuedCount,
    /// The oldest queued recipient is older than the limit.
    OldestAge,
    /// More recipients refused as unknown in the last hour than the
    /// organisation's `invalid_recipient_quota`.
    InvalidRecipients,
    /// Messages were accepted whose bodies the store has lost: they were
    /// failed and their senders told.
    LostBodies,
}

impl AlertRule {
    /// Whether the alert is about mail piling up on a connector (and so
    /// resolves once that queue drains); the others are about the
    /// organisation's senders or the node itself.
    pub fn is_about_a_queue(self) -> bool {
        matches!(self, AlertRule::QueuedCount | AlertRule::OldestAge)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AlertRule::QueuedCount => "queued_count",
            AlertRule::OldestAge => "oldest_age",
            AlertRule::InvalidRecipients => "invalid_recipients",
            AlertRule::LostBodies => "lost_bodies",
        }
    }
}

impl FromStr for AlertRule {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "queued_count" => Ok(AlertRule::QueuedCount),
            "oldest_age" => Ok(AlertRule::OldestAge),
            "invalid_recipients" => Ok(AlertRule::InvalidRecipients),
            "lost_bodies" => Ok(AlertRule::LostBodies),
            other => Err(format!("unknown alert rule {other:?}")),
        }
    }
}

/// What the queue looked like at the latest evaluation of an alert.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertValues {
    /// Recipients of the connector still waiting.
    pub queued: u64,
    /// Of those, how many have waited longer than the rule's age.
    pub queued_over_age: u64,
    pub oldest_received_at: Option<OffsetDateTime>,
    /// The latest failure with the alert's code.
    pub last_error: Option<LastError>,
    /// Invalid-recipient quota: recipients refused as unknown in the last hour.
    #[serde(default)]
    pub invalid_recipients: u64,
    /// Invalid-recipient quota: the client addresses they came from, most first.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Lost bodies: how many messages were failed because their body was
    /// missing, since the alert opened.
    #[serde(default)]
    pub lost_messages: u64,
}

/// One alert: a connector's queue crossed a threshold, for one code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub id: AlertId,
    pub org: String,
    /// `None`: mail routed by MX, without a connector.
    pub connector: Option<String>,
    /// The dominant last-error code of the queue, e.g. `4.4.316`; `none`
    /// when nothing queued has failed yet.
    pub code: String,
    pub rule: AlertRule,
    pub opened_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub resolved_at: Option<OffsetDateTime>,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub acknowledged_by: Option<String>,
    /// When the latest notification about it was queued.
    pub notified_at: Option<OffsetDateTime>,
    pub values: AlertValues,
}

impl Alert {
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

/// What an evaluation saw for one connector and code: opens an alert, or
/// merges into the open one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertObservation {
    pub org: String,
    pub connector: Option<String>,
    pub code: String,
    pub rule: AlertRule,
    pub values: AlertValues,
    pub at: OffsetDateTime,
}

/// The alert after an observation, and whether it was opened by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedAlert {
    pub alert: Alert,
    pub opened: bool,
}

/// Which alerts to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStateFilter {
    #[default]
    Open,
    Resolved,
    All,
}

impl FromStr for AlertStateFilter {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "open" => Ok(AlertStateFilter::Open),
            "resolved" => Ok(AlertStateFilter::Resolved),
            "all" => Ok(AlertStateFilter::All),
            other => Err(format!(
                "unknown state {other:?}; expected open, resolved or all"
            )),
        }
    }
}

/// How a notification travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationChannel {
    Webhook,
    Email,
}

impl NotificationChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationChannel::Webhook => "webhook",
            NotificationChannel::Email => "email",
        }
    }
}

impl fmt::Display for NotificationChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NotificationChannel {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "webhook" => Ok(NotificationChannel::Webhook),
            "email" => Ok(NotificationChannel::Email),
            other => Err(format!("unknown notification channel {other:?}")),
        }
    }
}

/// A notification to queue in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub alert_id: AlertId,
    pub channel: NotificationChannel,
    /// What to send, as JSON (the channel decides how it is rendered).
    pub payload: String,
}

/// The outcome of queueing notifications under the daily cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    pub queued: u32,
    /// Left out because the organisation's daily cap was reached.
    pub capped: u32,
}

/// A notification in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub org: String,
    pub alert_id: AlertId,
    pub channel: NotificationChannel,
    pub payload: String,
    pub attempts: u32,
    pub created_at: OffsetDateTime,
    pub next_attempt_at: Option<OffsetDateTime>,
    pub delivered_at: Option<OffsetDateTime>,
    /// Given up: why (e.g. the only route is the failing connector).
    pub abandoned_at: Option<OffsetDateTime>,
    /// Why the latest attempt failed, or why it was given up.
    pub last_failure: Option<String>,
}

/// After an attempt that did not deliver: try again at, or give up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxRetry {
    At(OffsetDateTime),
    GiveUp,
}

mod duration_secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(value.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}

mod opt_duration_secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => s.serialize_some(&d.as_secs()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_secs))
    }
}
