//! `GET /api/v1/trace`: every event of the messages found by message id
//! (mailflow's or the `Message-ID:` header's),
//! sender, recipient, arrival time and recipient status (SPEC 4, "Message
//! trace"), newest message first.

use crate::AdminState;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::query::{self, QueryMap};
use crate::trace_views::TraceView;
use axum::Json;
use axum::extract::{Query, State};
use mailflow_core::MessageId;
use mailflow_store::TraceFilter;
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::IntoParams;

/// The search; each field narrows it.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query for OpenAPI; parsed by `filter_from_query`
pub struct TraceQuery {
    /// mailflow's message id (32 hexadecimal digits), or the message's own
    /// `Message-ID:` header (with or without its angle brackets).
    message_id: Option<String>,
    /// The envelope sender, exactly but for case.
    sender: Option<String>,
    /// A recipient address, exactly but for case.
    recipient: Option<String>,
    /// Received at or after (RFC 3339).
    since: Option<String>,
    /// Received before (RFC 3339).
    until: Option<String>,
    /// A recipient's state now: `queued`, `in_flight`, `deferred`,
    /// `delivered`, `failed` or `suspended`.
    status: Option<String>,
    /// At most this many messages (default 100, at most 1000; more is
    /// refused with `400` naming `limit`).
    limit: Option<usize>,
    /// A BCP 47 language tag for the events' summaries (`en`, `fr`, `ru`,
    /// `pt-BR`, `zh-TW`); English by default.
    lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/trace", tag = "trace", params(TraceQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Matching messages, newest first, each with its events oldest first", body = [TraceView]),
        (status = 400, description = "A search field was not understood", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
    ))]
pub(crate) async fn trace(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Query(query): Query<QueryMap>,
) -> Result<Json<Vec<TraceView>>, ApiError> {
    let mut filter = filter_from_query(&query)?;
    let language = query::language(&query)?;
    filter.org = Some(in_org.name);
    let traced = state.store.trace(&filter).await?;
    Ok(Json(
        traced
            .iter()
            .map(|traced| TraceView::new(traced, language))
            .collect(),
    ))
}

const KNOWN: [&str; 8] = [
    "message_id",
    "sender",
    "recipient",
    "since",
    "until",
    "status",
    "limit",
    "lang",
];

/// Turns the query string into a store filter, naming the field of the
/// first thing that is wrong.
fn filter_from_query(query: &QueryMap) -> Result<TraceFilter, ApiError> {
    query::only_known(query, &KNOWN, "search field")?;
    let text = |name: &str| query::given(query, name);
    let (message_id, message_id_header) = match text("message_id") {
        None => (None, None),
        Some(text) => either_message_id(text)?,
    };
    let filter = TraceFilter {
        org: None,
        message_id,
        message_id_header,
        sender: text("sender").map(str::to_string),
        recipient: text("recipient").map(str::to_string),
        since: text("since").map(|t| parse_time("since", t)).transpose()?,
        until: text("until").map(|t| parse_time("until", t)).transpose()?,
        status: text("status")
            .map(|t| query::recipient_state("status", t))
            .transpose()?,
        limit: query::limit(query)?,
    };
    if let (Some(since), Some(until)) = (filter.since, filter.until)
        && since >= until
    {
        return Err(ApiError::BadField {
            field: "until",
            message: "until must be later than since".into(),
        });
    }
    Ok(filter)
}

/// mailflow's id, or else a `Message-ID:` header's (`local@domain`, the
/// angle brackets optional).
fn either_message_id(text: &str) -> Result<(Option<MessageId>, Option<String>), ApiError> {
    if let Ok(id) = text.parse::<MessageId>() {
        return Ok((Some(id), None));
    }
    let header = text.trim_start_matches('<').trim_end_matches('>').trim();
    if header.contains('@') {
        return Ok((None, Some(header.to_string())));
    }
    Err(ApiError::BadField {
        field: "message_id",
        message: format!(
            "{text:?} is neither a mailflow message id (32 hexadecimal digits) nor a Message-ID header (local@domain)"
        ),
    })
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
    use crate::query::from_pairs as query;
    use mailflow_core::RecipientState;

    fn bad_field(pairs: &[(&str, &str)]) -> &'static str {
        match filter_from_query(&query(pairs)) {
            Err(ApiError::BadField { field, .. }) => field,
            other => panic!("expected a bad field, got {other:?}"),
        }
    }

    #[test]
    fn every_search_field_parses() {
        let filter = filter_from_query(&query(&[
            ("message_id", "0190f0c0a1b27c3d8e9f001122334455"),
            ("sender", "a@b.test"),
            ("recipient", "c@d.test"),
            ("since", "2030-01-01T10:00:00Z"),
            ("until", "2030-01-02T10:00:00+01:00"),
            ("status", "deferred"),
            ("limit", "7"),
        ]))
        .unwrap();
        assert!(filter.message_id.is_some());
        let by_header = filter_from_query(&query(&[("message_id", "<abc.1@example.test>")]));
        assert_eq!(
            by_header.unwrap().message_id_header.as_deref(),
            Some("abc.1@example.test")
        );
        assert_eq!(filter.status, Some(RecipientState::Deferred));
        assert_eq!(filter.limit, 7);
        assert_eq!(filter.since.unwrap().unix_timestamp(), 1_893_492_000);
    }

    #[test]
    fn each_bad_search_field_is_named() {
        assert_eq!(bad_field(&[("message_id", "42")]), "message_id");
        assert_eq!(bad_field(&[("since", "yesterday")]), "since");
        assert_eq!(bad_field(&[("until", "2030-13-01")]), "until");
        assert_eq!(bad_field(&[("status", "lost")]), "status");
        assert_eq!(bad_field(&[("limit", "0")]), "limit");
        assert_eq!(bad_field(&[("colour", "red")]), "query");
        let backwards = [
            ("since", "2030-01-02T00:00:00Z"),
            ("until", "2030-01-01T00:00:00Z"),
        ];
        assert_eq!(bad_field(&backwards), "until");
    }
}
