//! The queue page's filter: the fields a reader may narrow the queue by,
//! as the page's query, as the API's list query, and as the body of an
//! action on everything it picks.

use crate::api::encode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(crate) struct QueueFilter {
    #[serde(default)]
    pub connector: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub sender: String,
    #[serde(default)]
    pub recipient: String,
    /// Received longer ago than this, e.g. `2h`.
    #[serde(default)]
    pub older_than: String,
    #[serde(default)]
    pub newer_than: String,
}

impl QueueFilter {
    /// Each field that is set, with its name.
    fn fields(&self) -> Vec<(&'static str, &str)> {
        [
            ("connector", self.connector.as_str()),
            ("code", self.code.as_str()),
            ("state", self.state.as_str()),
            ("sender", self.sender.as_str()),
            ("recipient", self.recipient.as_str()),
            ("older_than", self.older_than.as_str()),
            ("newer_than", self.newer_than.as_str()),
        ]
        .into_iter()
        .map(|(name, value)| (name, value.trim()))
        .filter(|(_, value)| !value.is_empty())
        .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.fields().is_empty()
    }

    /// `a=1&b=2` of the fields that are set, for the page's links and the
    /// API's list.
    pub fn query(&self) -> String {
        self.fields()
            .iter()
            .map(|(name, value)| format!("{name}={}", encode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The body of `POST /api/v1/queue/{action}`: an empty filter is the
    /// whole queue, which the API takes only with `all`.
    pub fn operation(&self, dry_run: bool) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        for (name, value) in self.fields() {
            body.insert(name.into(), value.into());
        }
        body.insert("all".into(), self.is_empty().into());
        body.insert("dry_run".into(), dry_run.into());
        serde_json::Value::Object(body)
    }

    /// The filter's fields as hidden inputs' (name, value) pairs.
    pub fn hidden(&self) -> Vec<(&'static str, String)> {
        self.fields()
            .into_iter()
            .map(|(name, value)| (name, value.to_string()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fields_set_are_sent_and_an_empty_filter_is_the_whole_queue() {
        let filter = QueueFilter {
            connector: "to-onprem".into(),
            sender: " bob@example.test ".into(),
            ..Default::default()
        };
        assert_eq!(
            filter.query(),
            "connector=to-onprem&sender=bob%40example.test"
        );
        assert_eq!(
            filter.operation(true),
            serde_json::json!({"connector": "to-onprem", "sender": "bob@example.test", "all": false, "dry_run": true})
        );
        assert_eq!(
            QueueFilter::default().operation(false),
            serde_json::json!({"all": true, "dry_run": false})
        );
    }
}
