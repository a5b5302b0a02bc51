//! Every page answers in each of the five languages, picked from the
//! browser's `Accept-Language` or switched with `?lang=` (and kept); the
//! directory import reports what it took and refused.

use crate::common::Console;
use mailflow_testnode::{TestNode, org, unused_addr};

/// Every page a logged-in reader can open from the navigation.
const PAGES: [&str; 10] = [
    "/",
    "/connectors/to-onprem",
    "/fixes",
    "/audit",
    "/queue",
    "/alerts",
    "/domains",
    "/directory",
    "/nodes",
    "/settings",
];

async fn start() -> Console {
    let node = TestNode::start(
        org(unused_addr(), unused_addr()),
        mailflow_testnode::settings(),
    )
    .await;
    Console::start(node).await
}

#[tokio::test]
async fn every_page_answers_in_each_language_the_browser_asks_for() {
    let console = start().await;
    let mut browser = console.logged_in().await;
    let languages = [
        ("en-GB,en;q=0.8", "en", "Dashboard"),
        ("fr-CH, fr;q=0.9", "fr", "Tableau de bord"),
        ("pt-BR", "pt-BR", "Painel"),
        ("ru", "ru", "Панель мониторинга"),
        ("zh-TW", "zh-TW", "儀表板"),
    ];
    for (accept, tag, dashboard) in languages {
        browser.language = Some(accept);
        for path in PAGES {
            let page = browser.get(path).await;
            assert_eq!(page.status, 200, "{path} in {tag}: {}", page.body);
            assert!(
                page.has(&format!("<html lang=\"{tag}\">")),
                "{path} in {tag}"
            );
            assert!(page.has(dashboard), "{path} in {tag}: the navigation");
            assert!(page.has("<main id=\"main\""), "{path}: a main landmark");
            assert!(page.has("<h1>"), "{path}: a heading");
        }
    }
    console.stop().await;
}

#[tokio::test]
async fn a_language_switched_with_the_query_is_kept_for_the_next_pages() {
    let console = start().await;
    let browser = console.logged_in().await;
    let switched = browser.get("/queue?lang=ru").await;
    assert!(switched.has("<html lang=\"ru\">"));
    assert!(
        switched
            .set_cookies
            .iter()
            .any(|c| c.starts_with("mailflow_lang=ru;")),
        "{:?}",
        switched.set_cookies
    );
    let next = browser.get("/alerts").await;
    assert!(next.has("<html lang=\"ru\">"), "{}", next.body);
    console.stop().await;
}

#[tokio::test]
async fn a_directory_import_reports_what_it_added_and_refused() {
    let console = start().await;
    let browser = console.logged_in().await;
    let csv = "address\ncarol@contoso.test\nnot an address\nalice@contoso.test\n";
    let report = browser
        .submit("/directory", "/directory/import", &[("csv", csv)])
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(
        report.has("<strong id=\"import-added\">1</strong>"),
        "{}",
        report.body
    );
    assert!(
        report.has("<strong id=\"import-refused\">1</strong>"),
        "{}",
        report.body
    );
    assert!(report.has("<code>not an address</code>"));
    let searched = browser.get("/directory?q=carol").await;
    assert!(
        searched.has("<li>carol@contoso.test</li>"),
        "{}",
        searched.body
    );
    assert!(!searched.has("<li>alice@contoso.test</li>"));
    console.stop().await;
}

#[tokio::test]
async fn the_scripts_and_styles_are_served_from_the_binary() {
    let console = start().await;
    for (file, kind) in [
        ("htmx-2.0.11.min.js", "text/javascript"),
        ("uPlot-1.6.32.iife.min.js", "text/javascript"),
        ("uPlot-1.6.32.min.css", "text/css"),
        ("console-2.css", "text/css"),
        ("console-2.js", "text/javascript"),
    ] {
        let answer = reqwest::get(format!("{}/assets/{file}", console.base))
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{file}");
        let content_type = answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(content_type.starts_with(kind), "{file}: {content_type}");
        assert!(answer.bytes().await.unwrap().len() > 1000, "{file}");
    }
    let missing = reqwest::get(format!("{}/assets/nothing.js", console.base))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    console.stop().await;
}

#[tokio::test]
async fn users_tokens_and_domains_are_made_and_removed_with_a_notice() {
    let console = start().await;
    let browser = console.logged_in().await;
    let created = browser
        .submit(
            "/settings",
            "/settings/tokens",
            &[("name", "grafana"), ("scope", "read")],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(
        created.has("<code id=\"new-token\">mft_"),
        "shown once: {}",
        created.body
    );
    let revoked = browser
        .submit("/settings", "/settings/tokens/grafana/revoke", &[])
        .await;
    assert_eq!(revoked.status, 303);
    let page = browser.get("/settings").await;
    assert!(page.has("Revoked: grafana"), "{}", page.body);
    assert!(!page.has("<td>grafana</td>"));

    let saved = browser
        .submit(
            "/settings",
            "/settings/users",
            &[
                ("name", "relay-client"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    assert!(browser.get("/settings").await.has("<td>relay-client</td>"));
    browser
        .submit("/settings", "/settings/users/relay-client/remove", &[])
        .await;
    let page = browser.get("/settings").await;
    assert!(page.has("Removed: relay-client") && !page.has("<td>relay-client</td>"));

    let removed = browser
        .submit("/domains", "/domains/contoso.test/remove", &[])
        .await;
    assert_eq!(removed.status, 303);
    let page = browser.get("/domains").await;
    assert!(page.has("Removed: contoso.test"), "{}", page.body);
    console.stop().await;
}
