//! Log-in, sessions and CSRF over real HTTP: a token opens a session whose
//! cookie the browser cannot read from scripts nor send from another site;
//! a wrong token is refused without saying what was wrong; every form is
//! refused without the session's CSRF token, and nothing is changed.

use crate::common::{Console, TOKEN};
use mailflow_core::OrgSettings;
use mailflow_testnode::TestNode;

async fn start() -> Console {
    Console::start(TestNode::start(OrgSettings::default(), mailflow_testnode::settings()).await)
        .await
}

#[tokio::test]
async fn a_page_without_a_session_sends_the_browser_to_log_in_and_back() {
    let console = start().await;
    let browser = console.browser();
    let page = browser.get("/queue?state=deferred").await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.location.as_deref(),
        Some("/login?next=%2Fqueue%3Fstate%3Ddeferred")
    );
    let form = browser.get("/login?next=%2Fqueue%3Fstate%3Ddeferred").await;
    assert_eq!(form.status, 200);
    assert!(form.has("type=\"password\""), "{}", form.body);
    let logged_in = browser
        .post(
            "/login",
            &[("token", TOKEN), ("next", "/queue?state=deferred")],
        )
        .await;
    assert_eq!(logged_in.status, 303, "{}", logged_in.body);
    assert_eq!(logged_in.location.as_deref(), Some("/queue?state=deferred"));
    assert_eq!(browser.get("/queue?state=deferred").await.status, 200);
    console.stop().await;
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_strict_and_secure_behind_tls() {
    let console = start().await;
    let page = console.browser().post("/login", &[("token", TOKEN)]).await;
    let cookie = &page.set_cookies[0];
    assert!(cookie.starts_with("mailflow_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    // The cookie holds a random id, never the token.
    assert!(!cookie.contains(TOKEN));

    let over_tls = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login", console.base))
        .header("x-forwarded-proto", "https")
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    let cookie = over_tls.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    console.stop().await;
}

#[tokio::test]
async fn a_wrong_token_is_refused_with_the_same_words_whatever_was_wrong() {
    let console = start().await;
    let browser = console.browser();
    let mut answers = Vec::new();
    for token in ["", "nonsense", &TOKEN[..TOKEN.len() - 1], "mft_0000"] {
        let page = browser.post("/login", &[("token", token)]).await;
        assert_eq!(page.status, 401, "{token}");
        assert!(page.set_cookies.is_empty(), "{token}");
        assert!(page.has("This token was not accepted."), "{}", page.body);
        answers.push(page.body);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
    console.stop().await;
}

#[tokio::test]
async fn a_form_without_the_session_csrf_token_changes_nothing() {
    let console = start().await;
    let browser = console.logged_in().await;
    let fields = [("name", "fabrikam.test"), ("kind", "authoritative")];
    let missing = browser.post("/domains", &fields).await;
    assert_eq!(missing.status, 403, "{}", missing.body);
    let wrong = browser
        .post(
            "/domains",
            &[("_csrf", "0".repeat(64).as_str()), fields[0], fields[1]],
        )
        .await;
    assert_eq!(wrong.status, 403);
    let org = console
        .node
        .store
        .org_settings(mailflow_testnode::ORG)
        .await
        .unwrap();
    assert!(org.unwrap_or_default().accepted_domains.is_empty());

    let added = browser.submit("/domains", "/domains", &fields).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let page = browser.get("/domains").await;
    assert!(page.has("fabrikam.test"), "{}", page.body);
    assert!(page.has("data-kind=\"authoritative\""));
    console.stop().await;
}

#[tokio::test]
async fn a_form_sent_from_another_site_cannot_log_a_browser_in() {
    let console = start().await;
    let answer = reqwest::Client::new()
        .post(format!("{}/login", console.base))
        .header("origin", "http://evil.test")
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    assert!(answer.headers().get("set-cookie").is_none());
    console.stop().await;
}

#[tokio::test]
async fn log_out_closes_the_session_and_the_old_cookie_opens_nothing() {
    let console = start().await;
    let browser = console.logged_in().await;
    assert_eq!(browser.get("/settings").await.status, 200);
    let out = browser.submit("/settings", "/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert_eq!(browser.get("/settings").await.status, 303);
    console.stop().await;
}

#[tokio::test]
async fn the_api_is_still_served_beside_the_console() {
    let console = start().await;
    let answer = reqwest::Client::new()
        .get(format!("{}/api/v1/connectors", console.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let unauthorised = reqwest::get(format!("{}/api/v1/connectors", console.base))
        .await
        .unwrap();
    assert_eq!(unauthorised.status(), 401);
    console.stop().await;
}
