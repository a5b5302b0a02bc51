//! Expiry, delay notices and the null sender, with the clock moved rather
//! than waited for.

use mailflow_core::RecipientState;
use mailflow_store::RecipientUpdate;
use mailflow_testkit::ports::refused_addr;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{TestNode, delivery_status, eventually, org, settings};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);
const HOUR: Duration = Duration::from_secs(3600);

async fn deferred(node: &TestNode, id: &str, attempts: u32) {
    eventually(&format!("attempt {attempts} is deferred"), || async {
        let recipient = &node.message(id).await.recipients[0];
        recipient.state == RecipientState::Deferred && recipient.attempts == attempts
    })
    .await;
}

/// A node whose on-premises connector refuses connections, a partner for
/// the reports, and one message from bob to alice deferred once; returns
/// them with the message's queue id.
async fn one_deferred(subject: &str) -> (SmtpServer, TestNode, String) {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(refused_addr(), partner.addr()), settings()).await;
    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        &format!("Subject: {subject}\n\nx\n"),
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let id = queue_id(&reply);
    deferred(&node, &id, 1).await;
    (partner, node, id)
}

#[tokio::test]
async fn an_expired_message_is_returned_with_4_4_7_and_the_last_error() {
    let (partner, node, id) = one_deferred("late").await;

    node.advance(24 * HOUR + Duration::from_secs(60));
    // Expiry comes first in the pass, so no delay notice precedes the NDR.
    partner.wait_for_messages(1, WAIT).await.unwrap();
    let ndr = delivery_status(&partner.messages()[0].data);
    assert!(ndr.contains("Action: failed"), "{ndr}");
    assert!(
        ndr.contains("Final-Recipient: rfc822; alice@contoso.test"),
        "{ndr}"
    );
    assert!(ndr.contains("Status: 4.4.7"), "{ndr}");
    assert!(
        ndr.contains("4.4.316"),
        "the last error travels with the NDR: {ndr}"
    );

    let recipient = node.message(&id).await.recipients[0].clone();
    assert_eq!(recipient.state, RecipientState::Failed);
    assert_eq!(
        recipient.last_error.unwrap().diagnosis.code().to_string(),
        "4.4.7"
    );
    node.stop().await;
}

#[tokio::test]
async fn one_delay_notice_tells_the_sender_why_and_until_when() {
    let (partner, node, id) = one_deferred("slow").await;

    node.advance(3 * HOUR);
    deferred(&node, &id, 2).await;
    assert_eq!(partner.messages().len(), 0, "no notice before 4 hours");

    node.advance(HOUR + Duration::from_secs(120));
    partner.wait_for_messages(1, WAIT).await.unwrap();
    let status = delivery_status(&partner.messages()[0].data);
    assert!(status.contains("Action: delayed"), "{status}");
    assert!(status.contains("Will-Retry-Until:"), "{status}");
    assert!(status.contains("4.4.316"), "{status}");

    // Later retries do not send another notice. The retry due with the
    // notice is made at that time first, so the clock is moved from there.
    deferred(&node, &id, 3).await;
    node.advance(2 * HOUR);
    deferred(&node, &id, 4).await;
    assert_eq!(partner.messages().len(), 1);
    assert!(node.message(&id).await.delay_notice_sent);
    node.stop().await;
}

/// A node whose on-premises server refuses every recipient (`550 5.1.1`),
/// and a partner for the reports; the servers live as long as the values.
async fn refusing_ghost() -> (SmtpServer, SmtpServer, TestNode) {
    let onprem = SmtpServer::start(SmtpBehavior::new().rcpt_reply("550 5.1.1 no such user")).await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings()).await;
    (onprem, partner, node)
}

#[tokio::test]
async fn mail_from_the_null_sender_never_causes_a_report() {
    let (_onprem, partner, node) = refusing_ghost().await;

    let (code, reply) = send(
        node.smtp,
        "",
        &["ghost@contoso.test"],
        "Subject: bounce\n\nx\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let null_sender = queue_id(&reply);
    eventually("the recipient fails", || async {
        node.message(&null_sender).await.recipients[0].state == RecipientState::Failed
    })
    .await;

    // The same failure from a real sender is reported: reports do flow.
    let (_, reply) = send(
        node.smtp,
        "bob@example.test",
        &["ghost@contoso.test"],
        "Subject: real\n\nx\n",
    )
    .await;
    let real = queue_id(&reply);
    partner.wait_for_messages(1, WAIT).await.unwrap();
    let reports = node
        .messages()
        .await
        .into_iter()
        .filter(|m| m.sender.is_empty())
        .count();
    assert_eq!(
        reports, 2,
        "the null-sender message and one NDR (for {real}), nothing for {null_sender}"
    );
    assert_eq!(partner.messages().len(), 1);
    node.stop().await;
}

/// No report is owed any more, at any age.
async fn nothing_owed(node: &TestNode) -> bool {
    let far = node.now() + time::Duration::days(365);
    node.store.reports_owed(far, 10).await.unwrap().is_empty()
}

#[tokio::test]
async fn a_report_lost_between_the_failure_and_its_queueing_is_sent_later() {
    let (partner, node, id) = one_deferred("lost").await;

    // What a crash right after recording a failure leaves: the recipient
    // failed, and no report queued for it.
    let message = node.message(&id).await;
    let error = message.recipients[0].last_error.clone().unwrap();
    let update = RecipientUpdate {
        message_id: message.id,
        index: 0,
        state: RecipientState::Failed,
        attempts_added: 0,
        next_attempt_at: None,
        last_error: Some(error),
        delivered_reply: None,
        at: node.now(),
    };
    node.store.record(vec![update], Vec::new()).await.unwrap();
    assert!(!nothing_owed(&node).await, "the failure owes its report");

    node.advance(Duration::from_secs(61));
    partner.wait_for_messages(1, WAIT).await.unwrap();
    let ndr = delivery_status(&partner.messages()[0].data);
    assert!(ndr.contains("Action: failed"), "{ndr}");
    assert!(
        ndr.contains("Final-Recipient: rfc822; alice@contoso.test"),
        "{ndr}"
    );
    assert!(ndr.contains("4.4.316"), "{ndr}");
    let report = partner.messages()[0].data.clone();
    assert!(
        String::from_utf8_lossy(&report).contains("Subject: lost"),
        "the original's headers are returned"
    );
    eventually("the report is no longer owed", || nothing_owed(&node)).await;
    node.stop().await;
}

#[tokio::test]
async fn a_report_queued_at_once_is_owed_no_more() {
    let (_onprem, partner, node) = refusing_ghost().await;
    let (_, reply) = send(
        node.smtp,
        "bob@example.test",
        &["ghost@contoso.test"],
        "Subject: gone\n\nx\n",
    )
    .await;
    let id = queue_id(&reply);
    partner.wait_for_messages(1, WAIT).await.unwrap();
    assert_eq!(node.states(&id).await, vec![RecipientState::Failed]);
    eventually("the report is no longer owed", || nothing_owed(&node)).await;
    node.stop().await;
}
