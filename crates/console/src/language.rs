//! The console's language: `?lang=` when a reader picks one (remembered in
//! a cookie), else the cookie, else the browser's `Accept-Language`, else
//! English. The five languages are those of the reports and insights.

use crate::texts::Texts;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use mailflow_ndr::Language;
use mailflow_ndr::accept_language::by_quality;

/// The cookie that keeps the language a reader picked.
pub const LANGUAGE_COOKIE: &str = "mailflow_lang";

/// The language for a request with these headers and this query.
pub(crate) fn pick(headers: &HeaderMap, query: Option<&str>) -> Language {
    if let Some(chosen) = chosen(query) {
        return chosen;
    }
    if let Some(kept) =
        crate::session::cookie(headers, LANGUAGE_COOKIE).and_then(Language::from_tag)
    {
        return kept;
    }
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .map(by_quality)
        .unwrap_or_default();
    Language::negotiate(accepted.iter().map(String::as_str))
}

/// The language `?lang=` names, when it is one the console is written in.
fn chosen(query: Option<&str>) -> Option<Language> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    let (_, tag) = pairs.into_iter().find(|(key, _)| key == "lang")?;
    Language::from_tag(&tag)
}

/// Keeps a language picked with `?lang=` in a cookie for the pages after.
pub(crate) async fn remember_choice(request: Request, next: Next) -> Response {
    let chosen = chosen(request.uri().query());
    let mut response = next.run(request).await;
    if let Some(language) = chosen {
        let cookie = format!(
            "{LANGUAGE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Strict",
            language.tag()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The console's words in `language`.
pub(crate) fn texts(language: Language) -> &'static Texts {
    match language {
        Language::English => &crate::texts::english::TEXTS,
        Language::French => &crate::texts::french::TEXTS,
        Language::Russian => &crate::texts::russian::TEXTS,
        Language::PortugueseBrazil => &crate::texts::portuguese_brazil::TEXTS,
        Language::TraditionalChinese => &crate::texts::chinese_traditional::TEXTS,
    }
}

/// Each language as the switcher offers it: its tag and its own name.
pub(crate) fn choices() -> Vec<(&'static str, &'static str)> {
    Language::ALL
        .iter()
        .map(|language| (language.tag(), texts(*language).language_name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn the_query_wins_then_the_cookie_then_the_browser() {
        let all = headers(&[
            ("cookie", "mailflow_lang=ru"),
            ("accept-language", "fr-CH, fr;q=0.9"),
        ]);
        assert_eq!(
            pick(&all, Some("lang=pt-BR&x=1")),
            Language::PortugueseBrazil
        );
        assert_eq!(pick(&all, None), Language::Russian);
        assert_eq!(pick(&all, Some("lang=xx")), Language::Russian);
        let browser = headers(&[("accept-language", "de, zh-TW;q=0.8, en;q=0.5")]);
        assert_eq!(pick(&browser, None), Language::TraditionalChinese);
        assert_eq!(pick(&HeaderMap::new(), None), Language::English);
    }
}
