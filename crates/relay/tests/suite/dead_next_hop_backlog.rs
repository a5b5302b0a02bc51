//! A backlog on a dead next hop (SPEC 9, deferred backlog): while the hop
//! refuses connections each retry time costs one probe, not an attempt per
//! waiting message, and when it answers again the whole backlog drains,
//! each message once.

use mailflow_core::RecipientState;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, eventually, org, settings};
use std::collections::HashSet;
use std::time::Duration;

const BACKLOG: usize = 40;

/// Moves the clock just past the end of the hop's hold.
async fn past_the_hold(node: &TestNode) {
    let hold = node
        .store
        .next_hop_hold(&onprem_hop())
        .await
        .unwrap()
        .unwrap();
    let wait = (hold.until - node.now()).unsigned_abs() + Duration::from_secs(1);
    node.advance(wait);
}

/// Recipients tried at least once, and those still waiting untried.
async fn tried_and_untouched(node: &TestNode) -> (usize, usize) {
    let recipients: Vec<_> = node
        .messages()
        .await
        .into_iter()
        .flat_map(|m| m.recipients)
        .collect();
    let tried = recipients.iter().filter(|r| r.attempts > 0).count();
    let untouched = recipients
        .iter()
        .filter(|r| r.attempts == 0 && r.state == RecipientState::Queued)
        .count();
    (tried, untouched)
}

/// The queue key of the test organisation's `to-onprem` connector.
fn onprem_hop() -> String {
    format!("{ORG}/to-onprem")
}

#[tokio::test]
async fn a_dead_hop_costs_one_probe_per_retry_and_its_backlog_drains_when_it_returns() {
    let onprem_addr = mailflow_testkit::ports::refused_addr();
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let mut settings = settings();
    // Claims smaller than the backlog, so that draining takes many rounds.
    settings.queue.max_messages_per_connection = 3;
    let node = TestNode::start(org(onprem_addr, partner.addr()), settings).await;

    let mut ids = HashSet::new();
    for n in 0..BACKLOG {
        let (code, reply) = send(
            node.smtp,
            "bob@example.test",
            &["alice@contoso.test"],
            &format!("Subject: {n}\n\n{n}\n"),
        )
        .await;
        assert_eq!(code, 250, "{reply}");
        ids.insert(queue_id(&reply));
    }
    eventually("the hop is held after its first refusal", || async {
        node.store
            .next_hop_hold(&onprem_hop())
            .await
            .unwrap()
            .is_some()
    })
    .await;
    let (tried, untouched) = tried_and_untouched(&node).await;
    assert!(tried <= 3, "one connection's claim at most, not {tried}");
    assert_eq!(tried + untouched, BACKLOG);

    for probe in 1..=3 {
        let failures = node
            .store
            .next_hop_hold(&onprem_hop())
            .await
            .unwrap()
            .unwrap()
            .failures;
        past_the_hold(&node).await;
        eventually("the probe fails and the hold grows", || async {
            node.store
                .next_hop_hold(&onprem_hop())
                .await
                .unwrap()
                .is_some_and(|hold| hold.failures > failures)
        })
        .await;
        let (now_tried, untouched) = tried_and_untouched(&node).await;
        assert!(
            now_tried <= tried + probe,
            "probe {probe}: {now_tried} tried, one more per probe at most"
        );
        assert_eq!(now_tried + untouched, BACKLOG, "the rest wait untouched");
    }

    let onprem = SmtpServer::start_on(onprem_addr, SmtpBehavior::new()).await;
    past_the_hold(&node).await;
    onprem
        .wait_for_messages(BACKLOG, Duration::from_secs(20))
        .await
        .unwrap();
    eventually("every recipient is recorded delivered", || async {
        let messages = node.messages().await;
        messages.len() == BACKLOG
            && messages
                .iter()
                .all(|m| m.recipients[0].state == RecipientState::Delivered)
    })
    .await;
    let subjects: HashSet<String> = onprem
        .messages()
        .iter()
        .map(|m| {
            String::from_utf8_lossy(&m.data)
                .lines()
                .find(|l| l.starts_with("Subject:"))
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(onprem.messages().len(), BACKLOG, "each message once");
    assert_eq!(subjects.len(), BACKLOG);
    assert_eq!(node.store.next_hop_hold(&onprem_hop()).await.unwrap(), None);
    assert_eq!(ids.len(), BACKLOG);
    node.stop().await;
}

#[tokio::test]
async fn mail_waiting_untried_behind_a_dead_hop_gets_its_delay_notice_with_the_hops_refusal() {
    const HOUR: Duration = Duration::from_secs(3600);
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(
        org(mailflow_testkit::ports::refused_addr(), partner.addr()),
        settings(),
    )
    .await;
    let (_, tried) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        "Subject: tried\n\nx\n",
    )
    .await;
    let tried = queue_id(&tried);
    eventually("the hop is held after its first refusal", || async {
        node.store
            .next_hop_hold(&onprem_hop())
            .await
            .unwrap()
            .is_some()
    })
    .await;
    let (_, untried) = send(
        node.smtp,
        "bob@example.test",
        &["carol@contoso.test"],
        "Subject: untried\n\ny\n",
    )
    .await;
    let untried = queue_id(&untried);
    assert_eq!(node.message(&untried).await.recipients[0].attempts, 0);

    node.advance(4 * HOUR + Duration::from_secs(120));
    partner
        .wait_for_messages(2, Duration::from_secs(10))
        .await
        .unwrap();
    let notices = partner.messages();
    for recipient in ["alice@contoso.test", "carol@contoso.test"] {
        let notice = notices
            .iter()
            .map(|m| mailflow_testnode::delivery_status(&m.data))
            .find(|status| status.contains(recipient))
            .unwrap_or_else(|| panic!("no delay notice for {recipient}"));
        assert!(notice.contains("Action: delayed"), "{notice}");
        assert!(notice.contains("4.4.316"), "{notice}");
    }
    assert!(node.message(&tried).await.delay_notice_sent);
    assert!(node.message(&untried).await.delay_notice_sent);
    node.stop().await;
}
