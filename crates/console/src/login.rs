//! Log-in with an admin API token, and log-out. A token that is not
//! accepted is refused with the same words whatever was wrong with it.

use crate::ConsoleState;
use crate::api::Api;
use crate::page::{PageBase, Section, render, render_with};
use crate::posted::{NoFields, Posted};
use crate::session::{SESSION_COOKIE, cookie};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: PageBase,
    next: String,
    refused: bool,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Next {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    next: Option<String>,
}

fn base(headers: &HeaderMap, uri: &Uri) -> PageBase {
    let language = crate::language::pick(headers, uri.query());
    PageBase {
        t: crate::language::texts(language),
        language,
        csrf: String::new(),
        section: Section::None,
        notice: None,
        signed_in: false,
        path: uri.path().to_string(),
        orgs: Vec::new(),
        org: String::new(),
    }
}

/// Where to go after log-in: a path of the console only (never another
/// site: `//host` and `/\host` are refused).
pub(crate) fn local(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

pub(crate) async fn form(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<Next>,
) -> Response {
    let now = state.options.clock.now();
    let open = cookie(&headers, SESSION_COOKIE).and_then(|id| state.sessions.get(id, now));
    if open.is_some() {
        return Redirect::to(&local(query.next.as_deref())).into_response();
    }
    let page = LoginPage {
        page: base(&headers, &uri),
        next: local(query.next.as_deref()),
        refused: false,
    };
    render(&page)
}

pub(crate) async fn submit(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<LoginForm>,
) -> Response {
    // A log-in sent from another site would sign this browser in as
    // someone else: the browser says where a form came from.
    if !same_origin(&headers) {
        return (
            StatusCode::FORBIDDEN,
            "this form was sent from another site",
        )
            .into_response();
    }
    let token = form.token.trim().to_string();
    if token.is_empty() || !accepted(&state, &token).await {
        let page = LoginPage {
            page: base(&headers, &uri),
            next: local(form.next.as_deref()),
            refused: true,
        };
        return render_with(StatusCode::UNAUTHORIZED, &page);
    }
    let id = state.sessions.open(token, state.options.clock.now());
    let secure = if state.options.secure_cookies || behind_tls(&headers) {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict{secure}");
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&local(form.next.as_deref())),
    )
        .into_response()
}

/// The API takes the token: anything but `401` (a node still starting
/// answers `503`, yet the token is known).
async fn accepted(state: &ConsoleState, token: &str) -> bool {
    let api = Api::new(state.api.clone(), token.to_string());
    match api.get::<serde_json::Value>("/api/v1/users").await {
        Ok(_) => true,
        Err(failure) => failure.status != StatusCode::UNAUTHORIZED,
    }
}

/// A proxy in front of the console says it took the request over TLS. A
/// client that claims it falsely only gets a cookie it will not send back
/// over plain HTTP.
fn behind_tls(headers: &HeaderMap) -> bool {
    let forwarded_proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"));
    let forwarded = headers
        .get(header::FORWARDED)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|value| value.to_ascii_lowercase().contains("proto=https"));
    forwarded_proto || forwarded
}

/// `Origin`, when the browser sends it, names this host.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((origin_host, host), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

pub(crate) async fn logout(posted: Posted<NoFields>) -> Response {
    posted.signed.close();
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, expired)], Redirect::to("/login")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_path_of_the_console_is_followed_after_log_in() {
        assert_eq!(
            local(Some("/queue?state=deferred")),
            "/queue?state=deferred"
        );
        assert_eq!(local(Some("//evil.test/x")), "/");
        assert_eq!(local(Some("/\\evil.test")), "/");
        assert_eq!(local(Some("https://evil.test")), "/");
        assert_eq!(local(None), "/");
    }
}
