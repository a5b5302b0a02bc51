//! The body of `POST /api/v1/queue/{action}`: which pending recipients an
//! operation is for (connector, next hop, code, state, sender, recipient,
//! arrival time, age), whether it only counts (`dry_run`), and how much of
//! it one request does (`limit` messages from `cursor` on).
//!
//! An empty filter would pick the whole queue: that takes `"all": true`,
//! so that a forgotten field never bounces or deletes everything.

use crate::error::ApiError;
use crate::messages::parse_code;
use crate::query::{self, MAX_LIMIT};
use mailflow_core::{MessageId, RecipientState, Route};
use mailflow_store::{ConnectorChoice, QueueSelection};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

/// The connector name that stands for MX routing without a connector.
pub const MX_CONNECTOR: &str = "_mx";

/// Which queued, deferred, suspended (or in flight, left alone) recipients
/// the operation is for, every field given narrowing it; whether it only
/// counts; and how much of it one request does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueOperationBody {
    /// A connector name; `_mx` for mail routed by MX without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector: Option<String>,
    /// The queue the recipients wait in, e.g. `to-onprem` or `mx/fabrikam.test`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_hop: Option<String>,
    /// The enhanced code of the last error, e.g. `4.4.316`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `queued`, `deferred`, `suspended` or `in_flight`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The envelope sender, exactly but for case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// A recipient address, exactly but for case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// Received before (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_before: Option<String>,
    /// Received at or after (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_after: Option<String>,
    /// Received longer ago than this, e.g. `2h`, `30m`, `1d` (also `min_age`).
    #[serde(default, alias = "min_age", skip_serializing_if = "Option::is_none")]
    pub older_than: Option<String>,
    /// Received less long ago than this, e.g. `15m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newer_than: Option<String>,
    /// Pick every pending recipient: needed when no other field is given.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    /// Only count what the operation would act on; change nothing.
    #[serde(default, skip_serializing)]
    pub dry_run: bool,
    /// Act on at most this many messages (1 to 1000), then answer with a
    /// `next_cursor` to go on from; without it, the whole filter at once.
    #[serde(default, skip_serializing)]
    pub limit: Option<usize>,
    /// The `next_cursor` of the answer before.
    #[serde(default, skip_serializing)]
    pub cursor: Option<String>,
}

impl QueueOperationBody {
    /// Reads a request body; an empty body is an empty filter.
    pub fn parse(bytes: &[u8]) -> Result<QueueOperationBody, ApiError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(QueueOperationBody::default());
        }
        serde_json::from_slice(bytes).map_err(|error| ApiError::BadField {
            field: "body",
            message: format!("the request body is not a queue filter: {error}"),
        })
    }

    pub fn limit(&self) -> Result<Option<usize>, ApiError> {
        match self.limit {
            Some(limit) if !(1..=MAX_LIMIT).contains(&limit) => Err(ApiError::BadField {
                field: "limit",
                message: format!("{limit} is not a limit; expected a number from 1 to {MAX_LIMIT}"),
            }),
            limit => Ok(limit),
        }
    }

    pub fn cursor(&self) -> Result<Option<MessageId>, ApiError> {
        let cursor = self.cursor.as_deref().map(str::trim);
        cursor
            .filter(|text| !text.is_empty())
            .map(|text| {
                text.parse().map_err(|_| ApiError::BadField {
                    field: "cursor",
                    message: format!("{text:?} is not a cursor this API gave"),
                })
            })
            .transpose()
    }

    /// The filter as the audit log keeps it: the fields given.
    pub fn filter_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a filter serializes to JSON")
    }

    /// The store's selection in `org`, at `now` (ages count back from it),
    /// naming the field of the first thing that is wrong.
    pub fn selection(&self, org: &str, now: OffsetDateTime) -> Result<QueueSelection, ApiError> {
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        let mut selection = QueueSelection {
            org: org.to_string(),
            recipient: text(&self.recipient),
            sender: text(&self.sender),
            next_hop: text(&self.next_hop).map(|hop| Route::qualify_hop(org, &hop)),
            connector: text(&self.connector).map(|name| match name.as_str() {
                MX_CONNECTOR => ConnectorChoice::Mx,
                _ => ConnectorChoice::Named(name),
            }),
            code: text(&self.code).map(|t| parse_code(&t)).transpose()?,
            state: text(&self.state).map(|t| pending_state(&t)).transpose()?,
            received_before: text(&self.received_before)
                .map(|t| parse_time("received_before", &t))
                .transpose()?,
            received_after: text(&self.received_after)
                .map(|t| parse_time("received_after", &t))
                .transpose()?,
            message: None,
        };
        if let Some(age) = text(&self.older_than) {
            let cutoff = now - query::duration("older_than", &age)?;
            selection.received_before = Some(earliest(selection.received_before, cutoff));
        }
        if let Some(age) = text(&self.newer_than) {
            let cutoff = now - query::duration("newer_than", &age)?;
            selection.received_after =
                Some(selection.received_after.map_or(cutoff, |t| t.max(cutoff)));
        }
        if let (Some(after), Some(before)) = (selection.received_after, selection.received_before)
            && after >= before
        {
            return Err(ApiError::BadField {
                field: "received_before",
                message: "the time range is empty: received_after (or newer_than) is not before received_before (or older_than)".into(),
            });
        }
        let narrowed = selection
            != QueueSelection {
                org: org.to_string(),
                ..Default::default()
            };
        if !narrowed && !self.all {
            return Err(ApiError::BadField {
                field: "filter",
                message: "no filter given: name what to act on (connector, next_hop, code, state, sender, recipient, received_before, received_after, older_than, newer_than), or send \"all\": true for the whole queue".into(),
            });
        }
        Ok(selection)
    }
}

fn earliest(given: Option<OffsetDateTime>, cutoff: OffsetDateTime) -> OffsetDateTime {
    given.map_or(cutoff, |t| t.min(cutoff))
}

fn pending_state(text: &str) -> Result<RecipientState, ApiError> {
    let state = query::recipient_state("state", text)?;
    if !state.is_pending() {
        return Err(ApiError::BadField {
            field: "state",
            message: format!(
                "{text:?} recipients are finished; queue operations act on queued, deferred, suspended or in_flight ones"
            ),
        });
    }
    Ok(state)
}

fn parse_time(field: &'static str, text: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| ApiError::BadField {
        field,
        message: format!("{text:?} is not a time; expected RFC 3339, e.g. 2030-01-01T10:00:00Z"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2030-01-01 12:00 UTC);

    fn body(json: &str) -> QueueOperationBody {
        QueueOperationBody::parse(json.as_bytes()).unwrap()
    }

    fn bad_field(json: &str) -> &'static str {
        let result = QueueOperationBody::parse(json.as_bytes())
            .and_then(|body| body.selection("default", NOW).map(|_| body))
            .and_then(|body| body.limit().map(|_| body))
            .and_then(|body| body.cursor());
        match result {
            Err(ApiError::BadField { field, .. }) => field,
            other => panic!("expected a bad field for {json}, got {other:?}"),
        }
    }

    #[test]
    fn every_filter_field_narrows_the_selection() {
        let parsed = body(
            r#"{"connector": "to-onprem", "next_hop": "to-onprem", "code": "4.4.316",
                "state": "deferred", "sender": "a@b.test", "recipient": "c@d.test",
                "min_age": "2h", "newer_than": "1d", "dry_run": true, "limit": 50}"#,
        );
        assert!(parsed.dry_run);
        assert_eq!(parsed.limit().unwrap(), Some(50));
        let selection = parsed.selection("default", NOW).unwrap();
        assert_eq!(
            selection.connector,
            Some(ConnectorChoice::Named("to-onprem".into()))
        );
        assert_eq!(selection.state, Some(RecipientState::Deferred));
        assert_eq!(
            selection.received_before,
            Some(datetime!(2030-01-01 10:00 UTC))
        );
        assert_eq!(
            selection.received_after,
            Some(datetime!(2029-12-31 12:00 UTC))
        );
        let mx = body(r#"{"connector": "_mx"}"#).selection("o", NOW).unwrap();
        assert_eq!(mx.connector, Some(ConnectorChoice::Mx));
    }

    #[test]
    fn the_whole_queue_must_be_asked_for() {
        assert_eq!(bad_field("{}"), "filter");
        assert_eq!(bad_field(""), "filter");
        let all = body(r#"{"all": true}"#).selection("o", NOW).unwrap();
        assert_eq!(all.org, "o");
    }

    #[test]
    fn each_bad_field_is_named() {
        assert_eq!(bad_field(r#"{"code": "4.4"}"#), "code");
        assert_eq!(bad_field(r#"{"state": "delivered"}"#), "state");
        assert_eq!(bad_field(r#"{"state": "lost"}"#), "state");
        assert_eq!(bad_field(r#"{"older_than": "a while"}"#), "older_than");
        assert_eq!(
            bad_field(r#"{"received_after": "yesterday"}"#),
            "received_after"
        );
        assert_eq!(
            bad_field(r#"{"older_than": "2h", "newer_than": "1h"}"#),
            "received_before"
        );
        assert_eq!(bad_field(r#"{"all": true, "limit": 0}"#), "limit");
        assert_eq!(bad_field(r#"{"all": true, "cursor": "x"}"#), "cursor");
        assert_eq!(bad_field(r#"{"colour": "red"}"#), "body");
        assert_eq!(bad_field("[1]"), "body");
    }
}
