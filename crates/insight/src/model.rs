//! The insight of one connector as the API and the CLI show it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// What carries the mail: a connector of either kind, or MX routing
/// without a connector (ordinary internet mail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InsightKind {
    OnPremises,
    Partner,
    /// MX routing without a connector.
    Mx,
    /// A connector no longer in the settings that still has mail waiting.
    Removed,
}

/// See the crate documentation and [`crate::status::judge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Healthy,
    Degraded,
    Failing,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Healthy => "healthy",
            Status::Degraded => "degraded",
            Status::Failing => "failing",
        }
    }
}

/// Waiting recipients whose last error has one code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CodeCount {
    /// The enhanced status code, e.g. `4.4.316`.
    pub code: String,
    /// e.g. `connection_refused`.
    pub category: String,
    pub count: u64,
}

/// The latest error among the connector's waiting recipients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LastErrorInsight {
    pub code: String,
    /// The whole reply line, e.g. `450 4.4.316 connection refused by 192.0.2.1:25`.
    pub reply: String,
    pub category: String,
    pub detail: String,
    /// The server the diagnosis came from (`ip:port`, or a name that did not resolve).
    pub server: Option<String>,
    /// RFC 3339.
    #[serde(with = "mailflow_core::time_format::serde_json_time")]
    #[schema(value_type = String)]
    pub at: OffsetDateTime,
}

/// Likely causes and what to do, in mailflow's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Explanation {
    pub summary: String,
    pub causes: Vec<String>,
    pub actions: Vec<String>,
}

/// One minute of the connector's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HistoryPoint {
    /// The start of the minute (RFC 3339).
    #[serde(with = "mailflow_core::time_format::serde_json_time")]
    #[schema(value_type = String)]
    pub minute: OffsetDateTime,
    /// Waiting recipients at the end of the minute.
    pub queued: u64,
    /// Failed attempts during the minute, by code.
    pub failures: Vec<CodeCount>,
}

/// The live picture of one connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectorInsight {
    /// The connector's name; `null` for MX routing without a connector.
    pub connector: Option<String>,
    pub kind: InsightKind,
    /// Waiting recipients: queued, deferred, in flight or suspended.
    pub queued: u64,
    /// Age of the oldest waiting message, in seconds.
    pub oldest_age_seconds: Option<u64>,
    /// When the queue last went from empty to not empty (RFC 3339).
    #[serde(with = "mailflow_core::time_format::serde_json_time::option")]
    #[schema(value_type = Option<String>)]
    pub growing_since: Option<OffsetDateTime>,
    /// Waiting recipients by the code of their last error, most first.
    pub by_code: Vec<CodeCount>,
    pub last_error: Option<LastErrorInsight>,
    /// The next hop (queue) of the recipient with the last error.
    pub next_hop: Option<String>,
    /// The last address tried (`ip:port`, or the host name when it did not resolve).
    pub last_address: Option<String>,
    /// Recipients attempted in the last hour (each recipient an attempt carried).
    pub attempts_last_hour: u64,
    /// Of those, delivered.
    pub successes_last_hour: u64,
    pub status: Status,
    pub explanation: Explanation,
    /// Ids of the fix actions that apply (`verb:connector`, as `mailflow fix` names them).
    pub fixes: Vec<String>,
    /// Per-minute history, oldest first; given for one connector, not in lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryPoint>,
}
