//! A request from a logged-in reader: its session, the API as its token
//! may use it, and the page's shared parts. Without an open session a page
//! sends the reader to the log-in page, which brings them back after.

use crate::ConsoleState;
use crate::api::{Api, ApiFailure};
use crate::page::{ErrorPage, PageBase, Section, render_with};
use crate::session::{Notice, SESSION_COOKIE, SessionView, cookie};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use mailflow_ndr::Language;
use std::sync::Arc;

pub(crate) struct Signed {
    pub api: Api,
    /// The organisations the reader may switch between (a token of every
    /// organisation), and the one shown; empty for a token of one.
    pub orgs: Vec<String>,
    pub org: String,
    pub session_id: String,
    pub session: SessionView,
    pub language: Language,
    pub path: String,
    state: Arc<ConsoleState>,
}

impl FromRequestParts<Arc<ConsoleState>> for Signed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<ConsoleState>,
    ) -> Result<Self, Response> {
        let language = crate::language::pick(&parts.headers, parts.uri.query());
        let path = parts.uri.path().to_string();
        let now = state.options.clock.now();
        let open = cookie(&parts.headers, SESSION_COOKIE)
            .and_then(|id| Some((id.to_string(), state.sessions.get(id, now)?)));
        let Some((session_id, session)) = open else {
            return Err(to_login(&parts.uri));
        };
        let api = Api::new(state.api.clone(), session.token.clone()).in_org(session.org.clone());
        let (orgs, org) = organisations(&api, session.org.as_deref()).await;
        Ok(Signed {
            api,
            orgs,
            org,
            session_id,
            session,
            language,
            path,
            state: state.clone(),
        })
    }
}

/// The organisations a token of every organisation may switch between,
/// and the one shown (`chosen`, else the node's own). A token of one
/// organisation cannot list them: no switch.
async fn organisations(api: &Api, chosen: Option<&str>) -> (Vec<String>, String) {
    let Ok(listed) = api.get::<Vec<serde_json::Value>>("/api/v1/orgs").await else {
        return (Vec::new(), String::new());
    };
    let name = |org: &serde_json::Value| org["name"].as_str().unwrap_or_default().to_string();
    let own = listed
        .iter()
        .find(|org| org["own"] == true)
        .map(name)
        .unwrap_or_default();
    let shown = chosen.map_or(own, str::to_string);
    (listed.iter().map(name).collect(), shown)
}

/// The log-in page, coming back to `uri` after (only a GET comes back to
/// where it was; a form sent with a closed session is sent again by hand).
fn to_login(uri: &axum::http::Uri) -> Response {
    let back = uri
        .path_and_query()
        .map(|p| p.as_str())
        .filter(|p| *p != "/")
        .map(|p| format!("?next={}", crate::api::encode(p)))
        .unwrap_or_default();
    Redirect::to(&format!("/login{back}")).into_response()
}

impl Signed {
    /// The parts every page shares, in `section`.
    pub fn page(&self, section: Section) -> PageBase {
        PageBase {
            t: crate::language::texts(self.language),
            language: self.language,
            csrf: self.session.csrf.clone(),
            section,
            notice: self.session.notice.clone(),
            signed_in: true,
            path: self.path.clone(),
            orgs: self.orgs.clone(),
            org: self.org.clone(),
        }
    }

    /// The `lang` query value for API calls that explain in words.
    pub fn lang(&self) -> &'static str {
        self.language.tag()
    }

    /// The answer to a page whose API call failed: with a token no longer
    /// known (revoked), the session closes and log-in comes back; else the
    /// error page with the API's words.
    pub fn failed(&self, failure: ApiFailure) -> Response {
        if failure.status == StatusCode::UNAUTHORIZED {
            self.state.sessions.close(&self.session_id);
            return Redirect::to("/login").into_response();
        }
        let page = ErrorPage {
            page: self.page(Section::None),
            status: failure.status.as_u16(),
            message: self.why(&failure),
            detail: Some(failure.detail),
        };
        render_with(failure.status, &page)
    }

    /// After an action: the notice for the next page, then that page
    /// (a `303`, so reloading it does not send the form again).
    pub fn done(&self, to: &str, outcome: Result<String, ApiFailure>) -> Response {
        match outcome {
            Ok(text) => self.notify(Notice::done(text)),
            Err(failure) if failure.status == StatusCode::UNAUTHORIZED => {
                return self.failed(failure);
            }
            Err(failure) => self.notify(Notice::refused(self.why(&failure), failure.detail)),
        }
        Redirect::to(to).into_response()
    }

    /// Removes what the API's `path` names, then back to `to` with
    /// `words` (e.g. "Removed") and the name of what went.
    pub async fn delete(
        &self,
        path: &str,
        words: impl Fn(&crate::texts::Texts) -> &'static str,
        name: &str,
        to: &str,
    ) -> Response {
        let t = self.page(Section::None).t;
        let done = self
            .api
            .call::<serde_json::Value>(axum::http::Method::DELETE, path, crate::api::Sent::Nothing)
            .await
            .map(|_| format!("{}: {name}", words(t)));
        self.done(to, done)
    }

    /// Why the API refused, in the page's language: what kind of refusal,
    /// and the field it named.
    fn why(&self, failure: &ApiFailure) -> String {
        let t = crate::language::texts(self.language);
        let lead = match failure.status {
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => t.refused_bad_request,
            StatusCode::FORBIDDEN => t.refused_forbidden,
            StatusCode::NOT_FOUND => t.refused_not_found,
            StatusCode::CONFLICT => t.refused_conflict,
            StatusCode::SERVICE_UNAVAILABLE => t.refused_unavailable,
            _ => t.refused_failed,
        };
        match &failure.field {
            Some(field) => format!("{lead} ({} {field})", t.refused_field),
            None => lead.to_string(),
        }
    }

    pub fn notify(&self, notice: Notice) {
        self.state.sessions.notify(&self.session_id, notice);
    }

    pub fn close(&self) {
        self.state.sessions.close(&self.session_id);
    }

    /// Shows the organisation `org` from the next page on.
    pub fn choose_org(&self, org: String) {
        self.state.sessions.choose_org(&self.session_id, org);
    }
}
