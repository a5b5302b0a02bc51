//! What the audit log keeps of a fix: the settings parts before and after,
//! and the counts of recipients it moved or bounced. Undo reads it back.

use crate::change::SettingsPart;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixState {
    #[serde(flatten)]
    pub settings: SettingsPart,
    /// Recipients retried, suspended or resumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients_affected: Option<u64>,
    /// Recipients failed with an NDR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients_bounced: Option<u64>,
    /// On an undo's entry: the entry it undid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<u64>,
}

impl FixState {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("fix states serialize to JSON")
    }

    pub fn from_json(value: &serde_json::Value) -> Result<FixState, serde_json::Error> {
        serde_json::from_value(value.clone())
    }
}
