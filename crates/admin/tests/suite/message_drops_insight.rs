//! A connector whose trouble is one message that makes its next hop drop
//! the connection during the message's data: the insight names that
//! message, says so, offers to bounce it (not to disable the connector),
//! and does not call the connector failing while other mail goes through.
//! Applying the offered fix bounces that message alone, with its diagnosis.

use mailflow_core::RecipientState;
use mailflow_insight::{Language, Status, connector_insight};
use mailflow_testkit::smtp_server::{FaultAction, SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, delivery_status, eventually, org, settings};
use std::time::Duration;

const LONGEST_LINE: usize = 200;

async fn queue(node: &TestNode, subject: &str, body: &str) -> String {
    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        &format!("Subject: {subject}\n\n{body}\n"),
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    queue_id(&reply)
}

#[tokio::test]
async fn the_insight_names_the_message_that_drops_the_connection_and_offers_to_bounce_it() {
    let onprem = SmtpServer::start(
        SmtpBehavior::new().drop_on_data_line_longer_than(LONGEST_LINE, FaultAction::Close),
    )
    .await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings()).await;

    let bad = queue(&node, "too long", &"x".repeat(4 * LONGEST_LINE)).await;
    eventually("the long message is deferred", || async {
        let recipient = &node.message(&bad).await.recipients[0];
        recipient.state == RecipientState::Deferred && recipient.attempts == 1
    })
    .await;
    let good = queue(&node, "fine", "short").await;
    eventually("the other message is delivered", || async {
        node.states(&good).await == [RecipientState::Delivered]
    })
    .await;

    let insight = connector_insight(
        node.store.as_ref(),
        node.clock.as_ref(),
        ORG,
        Some("to-onprem"),
        Language::English,
    )
    .await
    .unwrap()
    .unwrap();
    assert_ne!(insight.status, Status::Failing, "{insight:?}");
    let summary = &insight.explanation.summary;
    assert!(
        summary.contains("One message makes the server drop the connection during its data"),
        "{summary}"
    );
    assert!(summary.contains(&bad), "the message is named: {summary}");
    let bounce = format!("bounce-message:to-onprem:{bad}");
    assert!(insight.fixes.contains(&bounce), "{:?}", insight.fixes);
    assert!(
        !insight.fixes.contains(&"disable:to-onprem".to_string()),
        "the connector is not to blame: {:?}",
        insight.fixes
    );

    let offered = mailflow_fixes::offered_now(&node.handle).await.unwrap();
    let fix = offered
        .iter()
        .find(|fix| fix.id == bounce)
        .unwrap_or_else(|| panic!("{bounce} is not offered: {offered:?}"));
    assert_eq!(fix.preview.recipients_to_bounce, 1);
    assert_eq!(fix.because_of.as_deref(), Some("4.4.318"));

    let entry = mailflow_fixes::apply(&node.handle, &bounce, "admin")
        .await
        .unwrap();
    assert_eq!(entry.action, "bounce-message");
    assert_eq!(entry.target, format!("to-onprem:{bad}"));
    assert_eq!(node.states(&bad).await, [RecipientState::Failed]);
    partner
        .wait_for_messages(1, Duration::from_secs(10))
        .await
        .unwrap();
    let ndr = delivery_status(&partner.messages()[0].data);
    assert!(ndr.contains("Action: failed"), "{ndr}");
    assert!(ndr.contains("4.4.318"), "{ndr}");
    node.stop().await;
}
