//! The `[alerts]` section as written: the organisation's alert rules and
//! where notifications go, and `[alerts.connectors.NAME]` tables that give
//! one connector its own thresholds. Unknown keys are refused, as
//! everywhere in the file; defaults are applied in `build::alerts`.

use super::values::HumanDuration;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAlerts {
    pub queued_threshold: Option<u64>,
    pub queued_age: Option<HumanDuration>,
    pub oldest_age: Option<HumanDuration>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub admin_emails: Vec<String>,
    pub daily_cap: Option<u32>,
    pub invalid_recipient_quota: Option<u64>,
    pub connectors: BTreeMap<String, RawAlertRules>,
}

/// A connector's own thresholds; what it leaves out comes from `[alerts]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAlertRules {
    pub queued_threshold: Option<u64>,
    pub queued_age: Option<HumanDuration>,
    pub oldest_age: Option<HumanDuration>,
}
