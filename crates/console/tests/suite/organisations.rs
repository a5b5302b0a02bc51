//! The organisation switch over real HTTP: a reader whose token is for
//! every organisation chooses the organisation the pages show; a reader
//! with a token of one organisation has no switch and sees its own.

use crate::common::Console;
use mailflow_admin::TokenDigest;
use mailflow_core::{AcceptedDomain, Clock, DomainType, OrgSettings};
use mailflow_store::{AdminToken, TokenScope};
use mailflow_testnode::{ORG, TestNode, org, unused_addr};

const GLOBEX: &str = "globex";
const GLOBEX_TOKEN: &str = "globex-console-token-0123456789";

async fn start() -> Console {
    let globex = OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "globex.test".into(),
            kind: DomainType::Authoritative,
        }],
        ..OrgSettings::default()
    };
    let node = TestNode::start_orgs(
        vec![(ORG, org(unused_addr(), unused_addr())), (GLOBEX, globex)],
        mailflow_testnode::settings(),
    )
    .await;
    Console::start(node).await
}

#[tokio::test]
async fn a_reader_of_every_organisation_switches_the_organisation_the_pages_show() {
    let console = start().await;
    let browser = console.logged_in().await;
    let page = browser.get("/domains").await;
    assert!(page.has("contoso.test"), "{}", page.body);
    assert!(page.has("action=\"/org\""), "{}", page.body);
    assert!(
        page.has("<option value=\"globex\">globex</option>"),
        "{}",
        page.body
    );

    let switched = browser
        .submit("/domains", "/org", &[("org", GLOBEX), ("next", "/domains")])
        .await;
    assert_eq!(switched.status, 303, "{}", switched.body);
    assert_eq!(switched.location.as_deref(), Some("/domains"));
    let page = browser.get("/domains").await;
    assert!(page.has("globex.test"), "{}", page.body);
    assert!(!page.has("contoso.test"), "{}", page.body);
    assert!(
        page.has("<option value=\"globex\" selected>"),
        "{}",
        page.body
    );

    // A name the token cannot list changes nothing.
    browser
        .submit(
            "/domains",
            "/org",
            &[("org", "nosuch"), ("next", "/domains")],
        )
        .await;
    assert!(browser.get("/domains").await.has("globex.test"));
    console.stop().await;
}

#[tokio::test]
async fn a_reader_of_one_organisation_has_no_switch_and_sees_its_own() {
    let console = start().await;
    console
        .node
        .store
        .create_admin_token(AdminToken {
            org: Some(GLOBEX.into()),
            name: "gx-console".into(),
            scope: TokenScope::Admin,
            digest: TokenDigest::of(GLOBEX_TOKEN).to_string(),
            created_at: console.node.clock.now(),
            created_by: "test".into(),
            last_used_at: None,
        })
        .await
        .unwrap();
    let browser = console.browser();
    let login = browser.post("/login", &[("token", GLOBEX_TOKEN)]).await;
    assert_eq!(login.status, 303, "{}", login.body);
    let page = browser.get("/domains").await;
    assert!(page.has("globex.test"), "{}", page.body);
    assert!(!page.has("contoso.test"), "{}", page.body);
    assert!(!page.has("action=\"/org\""), "{}", page.body);
    console.stop().await;
}
