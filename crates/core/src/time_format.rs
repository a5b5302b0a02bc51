//! The two ways mailflow writes a moment, everywhere:
//!
//! - in JSON (the API, webhooks): RFC 3339 in UTC with millisecond
//!   precision, e.g. `2026-12-07T06:08:49.414Z` ([`json_time`], and the
//!   [`serde_json_time`] module for `#[serde(with = …)]`);
//! - for people (tables, logs, insight and alert text):
//!   `2026-12-07 06:08:49Z` ([`text_time`], [`TextTime`] for log fields,
//!   [`text_from_json`] for a JSON time a CLI received).

use std::fmt;
use time::format_description::FormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

const JSON: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
const TEXT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");

/// RFC 3339 in UTC, milliseconds: `2026-12-07T06:08:49.414Z`.
pub fn json_time(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(JSON)
        .expect("a UTC moment formats")
}

/// For people, in UTC to the second: `2026-12-07 06:08:49Z`.
pub fn text_time(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(TEXT)
        .expect("a UTC moment formats")
}

/// A JSON time (any RFC 3339) written for people; text that is not
/// RFC 3339 is given back as it came.
pub fn text_from_json(rfc3339: &str) -> String {
    OffsetDateTime::parse(rfc3339, &Rfc3339)
        .map(text_time)
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// A moment as [`text_time`] writes it, for log fields:
/// `tracing::warn!(until = %TextTime(until), …)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextTime(pub OffsetDateTime);

impl fmt::Display for TextTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text_time(self.0))
    }
}

/// `#[serde(with = "mailflow_core::time_format::serde_json_time")]`: written
/// as [`json_time`], read from any RFC 3339.
pub mod serde_json_time {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::json_time(*at))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
    }

    /// The same for an optional moment (`null` when absent).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::OffsetDateTime;
        use time::format_description::well_known::Rfc3339;

        pub fn serialize<S: Serializer>(
            at: &Option<OffsetDateTime>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match at {
                Some(at) => serializer.serialize_some(&super::super::json_time(*at)),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            Option::<String>::deserialize(deserializer)?
                .map(|text| OffsetDateTime::parse(&text, &Rfc3339))
                .transpose()
                .map_err(serde::de::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn json_is_utc_to_the_millisecond_and_text_to_the_second() {
        let at = datetime!(2026-12-07 08:08:49.414511867 +02:00);
        assert_eq!(json_time(at), "2026-12-07T06:08:49.414Z");
        assert_eq!(text_time(at), "2026-12-07 06:08:49Z");
        assert_eq!(TextTime(at).to_string(), "2026-12-07 06:08:49Z");
        assert_eq!(
            json_time(datetime!(2026-01-02 03:04:05 UTC)),
            "2026-01-02T03:04:05.000Z"
        );
    }

    #[test]
    fn a_json_time_reads_back_and_turns_into_text() {
        let at = datetime!(2026-12-07 06:08:49.414 UTC);
        let json = json_time(at);
        assert_eq!(OffsetDateTime::parse(&json, &Rfc3339).unwrap(), at);
        assert_eq!(text_from_json(&json), "2026-12-07 06:08:49Z");
        assert_eq!(
            text_from_json("2026-12-07T08:08:49.5+02:00"),
            "2026-12-07 06:08:49Z"
        );
        assert_eq!(text_from_json("not a time"), "not a time");
    }

    #[test]
    fn the_serde_functions_write_json_times() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Moments {
            #[serde(with = "serde_json_time")]
            at: OffsetDateTime,
            #[serde(with = "serde_json_time::option")]
            until: Option<OffsetDateTime>,
        }
        let moments = Moments {
            at: datetime!(2026-12-07 06:08:49.414 UTC),
            until: None,
        };
        let json = serde_json::to_string(&moments).unwrap();
        assert_eq!(json, r#"{"at":"2026-12-07T06:08:49.414Z","until":null}"#);
        assert_eq!(serde_json::from_str::<Moments>(&json).unwrap(), moments);
    }
}
