//! Reading query strings: the list and search endpoints take their query as
//! a map of text and read it here, so that an unknown parameter, a bad limit,
//! a bad state or a bad message id is refused the same way everywhere, with
//! an error naming the field.

use crate::error::ApiError;
use mailflow_core::{MessageId, RecipientState};
use std::collections::HashMap;

/// A query string as axum hands it over.
pub type QueryMap = HashMap<String, String>;

/// How many messages a list gives when no limit is asked for.
pub const DEFAULT_LIMIT: usize = 100;
/// The largest limit a list accepts.
pub const MAX_LIMIT: usize = 1000;

/// Refuses the first (in alphabetical order) parameter not in `known`,
/// calling it by `kind` ("filter", "search field", "parameter").
pub fn only_known(query: &QueryMap, known: &[&str], kind: &str) -> Result<(), ApiError> {
    let Some(unknown) = query
        .keys()
        // Every route takes the organisation (see `caller::OrgScope`).
        .filter(|key| key.as_str() != "org" && !known.contains(&key.as_str()))
        .min()
    else {
        return Ok(());
    };
    let expected = match known {
        [only] => only.to_string(),
        _ => format!("one of {}", known.join(", ")),
    };
    Err(ApiError::BadField {
        field: "query",
        message: format!("unknown {kind} {unknown:?}; expected {expected}"),
    })
}

/// The parameter's value, trimmed; `None` when it is missing or blank.
pub fn given<'q>(query: &'q QueryMap, name: &str) -> Option<&'q str> {
    query
        .get(name)
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())
}

/// The `limit` parameter: a number from 1 to `MAX_LIMIT`, `DEFAULT_LIMIT`
/// when it is not given.
pub fn limit(query: &QueryMap) -> Result<usize, ApiError> {
    let Some(text) = given(query, "limit") else {
        return Ok(DEFAULT_LIMIT);
    };
    match text.parse::<usize>() {
        Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
        _ => Err(ApiError::BadField {
            field: "limit",
            message: format!("{text:?} is not a limit; expected a number from 1 to {MAX_LIMIT}"),
        }),
    }
}

/// A recipient state named by `field`.
pub fn recipient_state(field: &'static str, text: &str) -> Result<RecipientState, ApiError> {
    text.parse()
        .map_err(|message| ApiError::BadField { field, message })
}

/// A message id named by `field`.
pub fn message_id(field: &'static str, text: &str) -> Result<MessageId, ApiError> {
    text.parse().map_err(|_| ApiError::BadField {
        field,
        message: format!("{text:?} is not a message id (32 hexadecimal digits)"),
    })
}

/// A human duration named by `field`, e.g. `2h`, `30m`, `1d 12h`.
pub fn duration(field: &'static str, text: &str) -> Result<std::time::Duration, ApiError> {
    humantime::parse_duration(text.trim()).map_err(|_| ApiError::BadField {
        field,
        message: format!("{text:?} is not a duration; expected e.g. 30m, 2h or 1d"),
    })
}

/// `lang`: the language of explanations; English when not given.
pub fn language(query: &QueryMap) -> Result<mailflow_insight::Language, ApiError> {
    use mailflow_insight::Language;
    match given(query, "lang") {
        None => Ok(Language::English),
        Some(tag) => Language::from_tag(tag).ok_or_else(|| ApiError::BadField {
            field: "lang",
            message: format!(
                "{tag:?} is not a language mailflow writes; expected en, fr, ru, pt-BR or zh-TW"
            ),
        }),
    }
}

/// A query map from pairs, for the parsers' unit tests.
#[cfg(test)]
pub fn from_pairs(pairs: &[(&str, &str)]) -> QueryMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::from_pairs as query;
    use super::*;

    fn message(result: Result<(), ApiError>) -> String {
        match result {
            Err(ApiError::BadField { field, message }) => format!("{field}: {message}"),
            other => panic!("expected a bad field, got {other:?}"),
        }
    }

    #[test]
    fn only_known_names_the_first_unknown_parameter_and_what_is_expected() {
        let both = query(&[("zebra", "1"), ("colour", "red"), ("lang", "en")]);
        assert_eq!(
            message(only_known(&both, &["lang"], "parameter")),
            "query: unknown parameter \"colour\"; expected lang"
        );
        assert_eq!(
            message(only_known(&both, &["state", "limit"], "filter")),
            "query: unknown filter \"colour\"; expected one of state, limit"
        );
        assert!(only_known(&query(&[("lang", "en")]), &["lang"], "parameter").is_ok());
    }

    #[test]
    fn a_blank_parameter_is_not_given() {
        let blank = query(&[("sender", "  "), ("recipient", " a@b.test ")]);
        assert_eq!(given(&blank, "sender"), None);
        assert_eq!(given(&blank, "recipient"), Some("a@b.test"));
        assert_eq!(limit(&blank).unwrap(), DEFAULT_LIMIT);
    }

    #[test]
    fn a_limit_is_from_one_to_the_maximum() {
        assert_eq!(limit(&query(&[("limit", "1000")])).unwrap(), MAX_LIMIT);
        for bad in ["0", "1001", "many"] {
            assert!(limit(&query(&[("limit", bad)])).is_err(), "{bad}");
        }
    }
}
