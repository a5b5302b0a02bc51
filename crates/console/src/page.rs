//! What every page shares: its words, its language, the session's CSRF
//! token for its forms, where it is in the navigation, and a notice left
//! by the action before it.

use crate::session::Notice;
use crate::texts::Texts;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use mailflow_ndr::Language;

/// The sections of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    None,
    Dashboard,
    Queue,
    Alerts,
    Fixes,
    Domains,
    Directory,
    Nodes,
    Settings,
}

pub(crate) struct PageBase {
    pub t: &'static Texts,
    pub language: Language,
    /// Empty on pages seen before log-in (their forms need none).
    pub csrf: String,
    pub section: Section,
    pub notice: Option<Notice>,
    pub signed_in: bool,
    /// The path of the page, for the language links.
    pub path: String,
    /// The organisations the reader may switch between (see `Signed`),
    /// and the one shown.
    pub orgs: Vec<String>,
    pub org: String,
}

impl PageBase {
    pub fn lang_tag(&self) -> &'static str {
        self.language.tag()
    }

    pub fn languages(&self) -> Vec<(&'static str, &'static str)> {
        crate::language::choices()
    }

    /// `aria-current` for the navigation link of `section`.
    pub fn current(&self, section: Section) -> &'static str {
        if self.section == section {
            "page"
        } else {
            "false"
        }
    }
}

/// A page rendered, or a plain error when a template fails (it cannot
/// once it compiled, but for a value's `Display`).
pub(crate) fn render(page: &impl Template) -> Response {
    render_with(StatusCode::OK, page)
}

pub(crate) fn render_with(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, security_headers(), Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "a console page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

/// Pages are not framed by other sites, load only the console's own
/// scripts and styles, and are not kept by shared caches.
fn security_headers() -> [(&'static str, &'static str); 4] {
    [
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; \
             script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
        ("referrer-policy", "same-origin"),
    ]
}

/// The error page: what the API (or the console) said, and a way back.
#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub page: PageBase,
    pub status: u16,
    pub message: String,
    /// The API's own words (English), when the API refused.
    pub detail: Option<String>,
}
