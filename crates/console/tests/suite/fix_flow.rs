//! The seed's story in the console over real HTTP: an on-premises server
//! refuses connections; the dashboard shows the connector failing with its
//! code and cause and offers *stop relaying*; the preview says what will
//! change; applying it makes the domain authoritative (an unknown
//! recipient is then refused over SMTP); undo puts it back.

use crate::common::Console;
use mailflow_core::{DomainType, RecipientState};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, eventually, org, unused_addr};

async fn failing_onprem() -> (Console, String) {
    let node = TestNode::start(
        org(unused_addr(), unused_addr()),
        mailflow_testnode::settings(),
    )
    .await;
    let console = Console::start(node).await;
    let (code, reply) = send(
        console.node.smtp,
        "bob@example.test",
        &["alice@contoso.test", "zed@contoso.test"],
        "Subject: hi\r\n\r\nhello\r\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let id = queue_id(&reply);
    eventually("both recipients are deferred", || async {
        console
            .node
            .states(&id)
            .await
            .iter()
            .all(|s| *s == RecipientState::Deferred)
    })
    .await;
    (console, id)
}

async fn domain_type(console: &Console) -> DomainType {
    let org = console.node.store.org_settings(ORG).await.unwrap().unwrap();
    org.accepted_domains[0].kind
}

#[tokio::test]
async fn a_failing_connector_is_seen_understood_fixed_and_the_fix_undone() {
    let (console, _) = failing_onprem().await;
    let browser = console.logged_in().await;

    let dashboard = browser.get("/").await;
    assert_eq!(dashboard.status, 200);
    let card = &dashboard.body[dashboard
        .body
        .find("card-to-onprem")
        .expect("a card for to-onprem")..];
    let card = &card[..card.find("</article>").unwrap()];
    assert!(card.contains("Failing"), "{card}");
    assert!(card.contains("4.4.316"), "{card}");
    assert!(card.contains("Connection refused"), "{card}");
    assert!(
        card.contains("href=\"/fixes/stop-relaying:to-onprem\""),
        "{card}"
    );

    let preview = browser.get("/fixes/stop-relaying:to-onprem").await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview.has("<code>contoso.test</code>: Internal relay → Authoritative"),
        "{}",
        preview.body
    );
    assert!(
        preview.has("<dd id=\"to-bounce\">1</dd>"),
        "{}",
        preview.body
    );
    assert!(
        preview.has("bob@example.test"),
        "the sender who gets a report: {}",
        preview.body
    );

    let applied = browser
        .submit(
            "/fixes/stop-relaying:to-onprem",
            "/fixes/stop-relaying:to-onprem/apply",
            &[],
        )
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    let entry = applied.location.unwrap();
    assert!(entry.starts_with("/audit/"), "{entry}");
    assert_eq!(domain_type(&console).await, DomainType::Authoritative);
    let (code, reply) = send(
        console.node.smtp,
        "bob@example.test",
        &["nobody@contoso.test"],
        "Subject: hi\r\n\r\nhello\r\n",
    )
    .await;
    assert_eq!(code, 550, "an unknown recipient is refused now: {reply}");

    let result = browser.get(&entry).await;
    assert!(
        result.has("Applied: Stop relaying to on-premises"),
        "{}",
        result.body
    );
    assert!(
        result.has("Stop relaying to on-premises — to-onprem"),
        "the entry's action by its name: {}",
        result.body
    );
    let audit_entry = entry.trim_start_matches("/audit/");
    let undone = browser
        .submit(&entry, &format!("/audit/{audit_entry}/undo"), &[])
        .await;
    assert_eq!(undone.status, 303, "{}", undone.body);
    assert_eq!(domain_type(&console).await, DomainType::InternalRelay);
    let after = browser.get(&undone.location.unwrap()).await;
    assert!(
        after.has("Undo: Stop relaying to on-premises"),
        "{}",
        after.body
    );
    let log = browser.get("/audit").await;
    assert!(
        log.has("undo:stop-relaying") && log.has("console"),
        "{}",
        log.body
    );
    console.stop().await;
}

#[tokio::test]
async fn in_french_the_preview_the_audit_log_the_trace_and_a_refusal_are_french() {
    let (console, id) = failing_onprem().await;
    let browser = console.logged_in().await;
    assert_eq!(browser.get("/?lang=fr").await.status, 200);

    let preview = browser.get("/fixes/stop-relaying:to-onprem").await;
    assert!(
        preview.has("Les domaines contoso.test font désormais autorité"),
        "the preview's words come in French: {}",
        preview.body
    );
    assert!(
        preview.has("ne contient pas toutes les vraies boîtes"),
        "{}",
        preview.body
    );
    browser
        .submit(
            "/fixes/stop-relaying:to-onprem",
            "/fixes/stop-relaying:to-onprem/apply",
            &[],
        )
        .await;
    let log = browser.get("/audit").await;
    assert!(
        log.has("Cesser de relayer vers le serveur sur site"),
        "{}",
        log.body
    );

    let message = browser.get(&format!("/messages/{id}")).await;
    assert!(
        message.has("Reçu de 127.0.0.1") && message.has("Différé"),
        "the trace's events in French: {}",
        message.body
    );
    assert!(
        message.has("<h2 id=\"recipients-heading\">Destinataires</h2>")
            && !message.has("<strong>received</strong>"),
        "no English label on the French message page: {}",
        message.body
    );

    let refused = browser
        .submit(
            "/domains",
            "/domains",
            &[("name", "not a domain"), ("kind", "authoritative")],
        )
        .await;
    assert_eq!(refused.status, 303, "{}", refused.body);
    let page = browser.get("/domains").await;
    assert!(
        page.has("pas accepté cette demande (champ\u{a0}: name)"),
        "the refusal in French, naming the field: {}",
        page.body
    );
    assert!(
        page.has("<span lang=\"en\">"),
        "the API's own words are marked as English: {}",
        page.body
    );
    console.stop().await;
}

#[tokio::test]
async fn validate_shows_the_stage_where_the_connection_was_refused() {
    let (console, _) = failing_onprem().await;
    let browser = console.logged_in().await;
    let page = browser
        .submit(
            "/connectors/to-onprem",
            "/connectors/to-onprem/validate",
            &[],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.has("Mail would not go through now."), "{}", page.body);
    let stages = &page.body[page.body.find("<ol class=\"stages\">").unwrap()..];
    let stages = &stages[..stages.find("</ol>").unwrap()];
    let passed = stages
        .find("<li class=\"passed\"><span class=\"stage-name\">DNS")
        .unwrap();
    let failed = stages
        .find("<li class=\"failed\"><span class=\"stage-name\">TCP connection")
        .unwrap_or_else(|| panic!("{stages}"));
    assert!(passed < failed);
    assert!(stages.contains("4.4.316"), "{stages}");
    assert!(stages.contains("<li class=\"not_reached\"><span class=\"stage-name\">Greeting"));
    console.stop().await;
}

#[tokio::test]
async fn the_queue_is_filtered_counted_before_a_bulk_action_and_one_message_bounced() {
    let (console, id) = failing_onprem().await;
    let browser = console.logged_in().await;
    let none = browser.get("/queue?sender=carol%40example.test").await;
    assert!(none.has("No messages match."), "{}", none.body);
    let listed = browser
        .get("/queue?connector=to-onprem&state=deferred")
        .await;
    assert!(
        listed.has(&format!("href=\"/messages/{id}\"")),
        "{}",
        listed.body
    );

    let counted = browser
        .submit(
            "/queue",
            "/queue/action",
            &[("connector", "to-onprem"), ("action", "bounce")],
        )
        .await;
    assert_eq!(counted.status, 200, "{}", counted.body);
    assert!(
        counted.has("<strong>1</strong> messages, <strong>2</strong> recipients"),
        "{}",
        counted.body
    );
    assert!(
        console
            .node
            .states(&id)
            .await
            .iter()
            .all(|s| *s == RecipientState::Deferred),
        "counting changes nothing"
    );

    let message = browser.get(&format!("/messages/{id}")).await;
    assert!(
        message.has("zed@contoso.test") && message.has("4.4.316"),
        "{}",
        message.body
    );
    let bounced = browser
        .submit(
            &format!("/messages/{id}"),
            &format!("/messages/{id}/action"),
            &[("action", "bounce")],
        )
        .await;
    assert_eq!(bounced.status, 303, "{}", bounced.body);
    assert!(
        console
            .node
            .states(&id)
            .await
            .iter()
            .all(|s| *s == RecipientState::Failed)
    );
    let after = browser.get(&bounced.location.unwrap()).await;
    assert!(after.has("Done Bounce: 2 recipients"), "{}", after.body);
    console.stop().await;
}
