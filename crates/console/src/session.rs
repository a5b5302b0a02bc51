//! Console sessions, kept in the node's memory: a random id in the cookie,
//! and on the server the token the session was opened with, the session's
//! CSRF token and a one-time notice for the next page.
//!
//! Memory is bounded: at most `MAX_SESSIONS` at once (the longest idle is
//! closed to make room), each closed after `IDLE` without a request. A
//! restart of the node closes them all; logging in again is the cure.

use std::collections::HashMap;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

/// The cookie that carries the session id.
pub const SESSION_COOKIE: &str = "mailflow_session";

/// Sessions open at once, whoever opened them.
const MAX_SESSIONS: usize = 1024;

/// A session closes after this long without a request.
pub(crate) const IDLE: Duration = Duration::hours(8);

/// A notice shown once on the next page: what an action did, or why it
/// was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notice {
    pub ok: bool,
    pub text: String,
    /// The API's own words under a refusal (English).
    pub detail: Option<String>,
}

impl Notice {
    pub fn done(text: impl Into<String>) -> Notice {
        Notice {
            ok: true,
            text: text.into(),
            detail: None,
        }
    }

    pub fn refused(text: String, detail: String) -> Notice {
        Notice {
            ok: false,
            text,
            detail: Some(detail),
        }
    }
}

#[derive(Debug)]
struct Session {
    token: String,
    /// The organisation the reader chose to see (a token of every
    /// organisation may switch); `None`: the token's own, or the node's.
    org: Option<String>,
    csrf: String,
    last_seen: OffsetDateTime,
    notice: Option<Notice>,
}

/// What a request gets of its session.
#[derive(Debug, Clone)]
pub(crate) struct SessionView {
    pub token: String,
    pub org: Option<String>,
    pub csrf: String,
    pub notice: Option<Notice>,
}

#[derive(Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Opens a session for `token`; its id, for the cookie.
    pub(crate) fn open(&self, token: String, now: OffsetDateTime) -> String {
        let id = random_hex();
        let mut open = self.open.lock().expect("sessions lock");
        open.retain(|_, session| now - session.last_seen < IDLE);
        if open.len() >= MAX_SESSIONS {
            let longest_idle = open
                .iter()
                .min_by_key(|(_, session)| session.last_seen)
                .map(|(id, _)| id.clone());
            if let Some(longest_idle) = longest_idle {
                open.remove(&longest_idle);
            }
        }
        let session = Session {
            token,
            org: None,
            csrf: random_hex(),
            last_seen: now,
            notice: None,
        };
        open.insert(id.clone(), session);
        id
    }

    /// The session `id` names, if it is open; its notice is taken.
    pub(crate) fn get(&self, id: &str, now: OffsetDateTime) -> Option<SessionView> {
        let mut open = self.open.lock().expect("sessions lock");
        let session = open.get_mut(id)?;
        if now - session.last_seen >= IDLE {
            open.remove(id);
            return None;
        }
        session.last_seen = now;
        Some(SessionView {
            token: session.token.clone(),
            org: session.org.clone(),
            csrf: session.csrf.clone(),
            notice: session.notice.take(),
        })
    }

    pub(crate) fn notify(&self, id: &str, notice: Notice) {
        if let Some(session) = self.open.lock().expect("sessions lock").get_mut(id) {
            session.notice = Some(notice);
        }
    }

    /// Shows the organisation `org` in the session `id` from now on.
    pub(crate) fn choose_org(&self, id: &str, org: String) {
        if let Some(session) = self.open.lock().expect("sessions lock").get_mut(id) {
            session.org = Some(org);
        }
    }

    pub(crate) fn close(&self, id: &str) {
        self.open.lock().expect("sessions lock").remove(id);
    }
}

/// 256 random bits, in hexadecimal.
fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Equal strings, compared in a time that does not depend on where they
/// differ (for the CSRF token).
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |differ, (x, y)| differ | (x ^ y))
            == 0
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-07 12:00 UTC);

    #[test]
    fn a_session_gives_its_token_and_closes_after_being_idle() {
        let sessions = Sessions::default();
        let id = sessions.open("mft_secret".into(), NOW);
        let view = sessions.get(&id, NOW + Duration::hours(7)).unwrap();
        assert_eq!(view.token, "mft_secret");
        assert_eq!(view.csrf.len(), 64);
        assert_ne!(view.csrf, id);
        // Seen at 7 h, so still open 7 h later; closed 8 h after that.
        assert!(sessions.get(&id, NOW + Duration::hours(14)).is_some());
        assert!(sessions.get(&id, NOW + Duration::hours(22)).is_none());
        assert!(sessions.get(&id, NOW + Duration::hours(22)).is_none());
        assert!(sessions.get("not-an-id", NOW).is_none());
    }

    #[test]
    fn a_notice_is_shown_once() {
        let sessions = Sessions::default();
        let id = sessions.open("t".into(), NOW);
        sessions.notify(&id, Notice::done("applied"));
        assert_eq!(
            sessions.get(&id, NOW).unwrap().notice,
            Some(Notice::done("applied"))
        );
        assert_eq!(sessions.get(&id, NOW).unwrap().notice, None);
    }

    #[test]
    fn the_number_of_sessions_is_bounded_and_the_longest_idle_goes_first() {
        let sessions = Sessions::default();
        let first = sessions.open("first".into(), NOW);
        for i in 1..MAX_SESSIONS {
            sessions.open(format!("t{i}"), NOW + Duration::seconds(i as i64));
        }
        assert!(sessions.get(&first, NOW + Duration::hours(1)).is_some());
        // `first` was just used: the second one is now the longest idle.
        let newest = sessions.open("newest".into(), NOW + Duration::hours(1));
        assert_eq!(sessions.open.lock().unwrap().len(), MAX_SESSIONS);
        assert!(sessions.get(&first, NOW + Duration::hours(1)).is_some());
        assert!(sessions.get(&newest, NOW + Duration::hours(1)).is_some());
    }

    #[test]
    fn secrets_are_equal_only_when_identical() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn a_cookie_is_found_among_others() {
        let mut headers = axum::http::HeaderMap::new();
        headers.append("cookie", "a=1; mailflow_session=xyz".parse().unwrap());
        headers.append("cookie", "b=2".parse().unwrap());
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "b"), Some("2"));
        assert_eq!(cookie(&headers, "c"), None);
    }
}
