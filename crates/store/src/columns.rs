//! How mailflow's values become database columns and back, the same in
//! every back end.
//!
//! One place decides the column encodings so that every query agrees on
//! them: times are nanoseconds since the epoch, ids are the UUID's 16 bytes,
//! states are their snake_case names and structured values are JSON. A
//! value that does not decode is `StoreError::Corrupt`, naming the column.

use crate::StoreError;
use mailflow_core::{EventKind, MessageId, RecipientState, Ret};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

/// Nanoseconds since the epoch. Times outside 1677..2262 saturate: they are
/// "never" or "long ago" for a mail queue.
pub fn time_to_db(at: OffsetDateTime) -> i64 {
    let nanos = at.unix_timestamp_nanos();
    nanos.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

pub fn time_from_db(nanos: i64) -> OffsetDateTime {
    // Every i64 of nanoseconds is within OffsetDateTime's range.
    OffsetDateTime::from_unix_timestamp_nanos(nanos as i128).expect("i64 nanoseconds fit")
}

pub fn id_to_db(id: MessageId) -> Vec<u8> {
    id.0.as_bytes().to_vec()
}

pub fn id_from_db(bytes: &[u8]) -> Result<MessageId, StoreError> {
    uuid::Uuid::from_slice(bytes)
        .map(MessageId)
        .map_err(|e| StoreError::Corrupt(format!("message id: {e}")))
}

pub fn state_from_db(text: &str) -> Result<RecipientState, StoreError> {
    text.parse()
        .map_err(|e: String| StoreError::Corrupt(format!("recipient state: {e}")))
}

pub fn ret_to_db(ret: Ret) -> &'static str {
    match ret {
        Ret::Full => "full",
        Ret::Headers => "headers",
    }
}

pub fn ret_from_db(text: &str) -> Result<Ret, StoreError> {
    match text {
        "full" => Ok(Ret::Full),
        "headers" => Ok(Ret::Headers),
        other => Err(StoreError::Corrupt(format!(
            "dsn_ret: unknown value {other:?}"
        ))),
    }
}

pub fn json_to_db<T: Serialize>(value: &T) -> String {
    // mailflow's types serialize to JSON without failing: plain structs and
    // enums with string keys.
    serde_json::to_string(value).expect("mailflow values serialize to JSON")
}

pub fn json_from_db<T: DeserializeOwned>(column: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// Decodes an optional JSON column.
pub fn opt_json_from_db<T: DeserializeOwned>(
    column: &str,
    text: Option<String>,
) -> Result<Option<T>, StoreError> {
    text.map(|text| json_from_db(column, &text)).transpose()
}

pub fn count_to_u32(column: &str, value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column}: {value} out of range")))
}

pub fn count_to_u64(column: &str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column}: {value} out of range")))
}

/// A row id the database numbered (an audit entry's); one beyond i64 is
/// none the database has.
pub fn serial_to_db(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// The event's type as its JSON names it (`received`, `attempt`, …).
pub fn event_kind_name(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Received { .. } => "received",
        EventKind::Routed { .. } => "routed",
        EventKind::Attempt { .. } => "attempt",
        EventKind::Delivered { .. } => "delivered",
        EventKind::Deferred { .. } => "deferred",
        EventKind::Failed { .. } => "failed",
        EventKind::DelayNoticeSent => "delay_notice_sent",
        EventKind::Recovered { .. } => "recovered",
        EventKind::NdrSent { .. } => "ndr_sent",
        EventKind::Operator { .. } => "operator",
    }
}

/// The enhanced code of the event's diagnosis, when it has one.
pub fn event_code(kind: &EventKind) -> Option<String> {
    match kind {
        EventKind::Deferred { diagnosis, .. } | EventKind::Failed { diagnosis } => {
            Some(diagnosis.code().to_string())
        }
        _ => None,
    }
}

/// A connector or a code in a column that is part of a key (the waiting
/// counts', the history's), where none — MX routing without a connector,
/// no error yet — is `''`, since a key column cannot be NULL; likewise an
/// admin token's organisation, none for a token of every organisation.
pub fn key_to_db(name: Option<&str>) -> &str {
    name.unwrap_or("")
}

pub fn key_from_db(name: String) -> Option<String> {
    (!name.is_empty()).then_some(name)
}

/// Database integers are signed; a limit beyond i64 is no limit.
pub fn limit_to_db(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// A row of either back end, read by column name into the encodings
/// above, so that one decoder serves both.
pub trait ColumnRow {
    fn text(&self, column: &str) -> Result<String, StoreError>;
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, column: &str) -> Result<i64, StoreError>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError>;
    fn bytes(&self, column: &str) -> Result<Vec<u8>, StoreError>;
    /// A yes/no column: SQLite's 0/1 integer, PostgreSQL's `BOOLEAN`.
    fn flag(&self, column: &str) -> Result<bool, StoreError>;
    fn opt_flag(&self, column: &str) -> Result<Option<bool>, StoreError>;

    fn time(&self, column: &str) -> Result<OffsetDateTime, StoreError> {
        Ok(time_from_db(self.int(column)?))
    }

    fn opt_time(&self, column: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        Ok(self.opt_int(column)?.map(time_from_db))
    }
}

macro_rules! column_row {
    ($row:ty) => {
        impl ColumnRow for $row {
            fn text(&self, column: &str) -> Result<String, StoreError> {
                Ok(sqlx::Row::try_get(self, column)?)
            }
            fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
                Ok(sqlx::Row::try_get(self, column)?)
            }
            fn int(&self, column: &str) -> Result<i64, StoreError> {
                Ok(sqlx::Row::try_get(self, column)?)
            }
            fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
                Ok(sqlx::Row::try_get(self, column)?)
            }
            fn bytes(&self, column: &str) -> Result<Vec<u8>, StoreError> {
                Ok(sqlx::Row::try_get(self, column)?)
            }
            fn flag(&self, column: &str) -> Result<bool, StoreError> {
                Ok(sqlx::Row::try_get(self, column)?)
            }
            fn opt_flag(&self, column: &str) -> Result<Option<bool>, StoreError> {
                Ok(sqlx::Row::try_get(self, column)?)
            }
        }
    };
}

column_row!(sqlx::sqlite::SqliteRow);
column_row!(sqlx::postgres::PgRow);
