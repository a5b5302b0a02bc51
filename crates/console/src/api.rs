//! The admin API, called in-process with a session's token: the console
//! does what the token may, through the same checks and audit entries as
//! every other client of the API.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use mailflow_admin::{ACTOR_HEADER, ErrorBody, ORG_HEADER};
use serde::de::DeserializeOwned;
use tower::ServiceExt;

/// The largest answer the console reads: a directory of some hundred
/// thousand addresses.
const LARGEST_ANSWER: usize = 64 * 1024 * 1024;

/// Who the audit log names for what is done in the console.
const ACTOR: &str = "console";

/// The API as one session may use it.
#[derive(Clone)]
pub(crate) struct Api {
    router: Router,
    token: String,
    /// The organisation asked for (`x-mailflow-org`); `None`: the token's.
    org: Option<String>,
}

/// The API refused or failed: its status and its own message.
#[derive(Debug, Clone)]
pub(crate) struct ApiFailure {
    pub status: StatusCode,
    /// The field the API named as wrong, if any.
    pub field: Option<String>,
    /// The API's own words (English): the exact diagnosis, quoted under
    /// the console's sentence in the page's language.
    pub detail: String,
}

/// What a request sends as its body.
pub(crate) enum Sent {
    Nothing,
    Json(serde_json::Value),
    Csv(String),
}

impl Api {
    pub fn new(router: Router, token: String) -> Api {
        Api {
            router,
            token,
            org: None,
        }
    }

    /// The same API, acting on the organisation `org`.
    pub fn in_org(mut self, org: Option<String>) -> Api {
        self.org = org;
        self
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiFailure> {
        self.call(Method::GET, path, Sent::Nothing).await
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, sent: Sent) -> Result<T, ApiFailure> {
        self.call(Method::POST, path, sent).await
    }

    /// `path` with `method`; the answer read as `T`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        sent: Sent,
    ) -> Result<T, ApiFailure> {
        let (status, bytes) = self.exchange(method, path, sent).await?;
        if !status.is_success() {
            return Err(failure(status, &bytes));
        }
        // `204 No Content` (a removal) reads as JSON `null`.
        let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        serde_json::from_slice(bytes).map_err(|error| {
            internal(format!(
                "the API's answer to {path} could not be read: {error}"
            ))
        })
    }

    async fn exchange(
        &self,
        method: Method,
        path: &str,
        sent: Sent,
    ) -> Result<(StatusCode, Vec<u8>), ApiFailure> {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(ACTOR_HEADER, ACTOR);
        let request = match &self.org {
            Some(org) => request.header(ORG_HEADER, org),
            None => request,
        };
        let request = match sent {
            Sent::Nothing => request.body(Body::empty()),
            Sent::Json(value) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(value.to_string())),
            Sent::Csv(text) => request
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(text)),
        }
        .map_err(|error| internal(format!("{path} is not a request the API takes: {error}")))?;
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|never| match never {});
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), LARGEST_ANSWER)
            .await
            .map_err(|error| internal(format!("the API's answer to {path} was cut: {error}")))?;
        Ok((status, bytes.to_vec()))
    }
}

/// The API's own error message, or its status when the body is not one.
fn failure(status: StatusCode, bytes: &[u8]) -> ApiFailure {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => ApiFailure {
            status,
            field: body.error.field,
            detail: body.error.message,
        },
        Err(_) => ApiFailure {
            status,
            field: None,
            detail: status.to_string(),
        },
    }
}

fn internal(detail: String) -> ApiFailure {
    ApiFailure {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        field: None,
        detail,
    }
}

/// `value` percent-encoded for a URL's path segment or query value: every
/// byte but RFC 3986's unreserved characters is escaped.
pub(crate) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_characters_stay_as_they_are() {
        assert_eq!(encode("to-onprem_1.x~"), "to-onprem_1.x~");
        assert_eq!(encode("a b/c?d&e=f#g"), "a%20b%2Fc%3Fd%26e%3Df%23g");
        assert_eq!(encode("*@contoso.test"), "%2A%40contoso.test");
        assert_eq!(encode("é"), "%C3%A9");
    }
}
