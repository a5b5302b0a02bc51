//! A form sent by a logged-in reader, checked for the session's CSRF
//! token before anything is read from it. The token comes in the form's
//! `_csrf` field (every form of the console has it) or in an
//! `X-CSRF-Token` header.

use crate::ConsoleState;
use crate::page::{ErrorPage, Section, render_with};
use crate::session::same_secret;
use crate::signed::Signed;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// The largest form: a directory import pasted or read from a file.
const LARGEST_FORM: usize = 32 * 1024 * 1024;

/// A form with nothing in it but its CSRF token.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct NoFields {}

pub(crate) struct Posted<T> {
    pub signed: Signed,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<Arc<ConsoleState>> for Posted<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<ConsoleState>) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let signed = Signed::from_request_parts(&mut parts, state).await?;
        let header = parts
            .headers
            .get("x-csrf-token")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let bytes = axum::body::to_bytes(body, LARGEST_FORM)
            .await
            .map_err(|_| refuse(&signed, StatusCode::PAYLOAD_TOO_LARGE, |t| t.form_too_large))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| refuse(&signed, StatusCode::BAD_REQUEST, |t| t.form_unreadable))?;
        let sent = pairs
            .iter()
            .find(|(key, _)| key == "_csrf")
            .map(|(_, value)| value.clone())
            .or(header);
        let valid = sent.is_some_and(|sent| same_secret(&sent, &signed.session.csrf));
        if !valid {
            return Err(refuse(&signed, StatusCode::FORBIDDEN, |t| t.form_expired));
        }
        let form = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| refuse(&signed, StatusCode::BAD_REQUEST, |t| t.form_unreadable))?;
        Ok(Posted { signed, form })
    }
}

fn refuse(
    signed: &Signed,
    status: StatusCode,
    words: impl Fn(&crate::texts::Texts) -> &'static str,
) -> Response {
    let page = signed.page(Section::None);
    let message = words(page.t).to_string();
    let page = ErrorPage {
        page,
        status: status.as_u16(),
        message,
        detail: None,
    };
    render_with(status, &page)
}
