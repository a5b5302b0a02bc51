//! One message that makes the next hop drop the connection during its data
//! (here: a line longer than the server will read) cannot stall the
//! connector: the failure counts against that message, not the hop. The
//! hop is not held, mail behind it keeps flowing, the message waits on its
//! own schedule, and after `MAX_DATA_STAGE_FAILURES` such drops it is
//! bounced with its `4.4.318` diagnosis. A drop before DATA still holds the
//! hop (SPEC 2.6).

use mailflow_core::{EventKind, RecipientState};
use mailflow_relay::MAX_DATA_STAGE_FAILURES;
use mailflow_testkit::smtp_server::{FaultAction, FaultPoint, SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, delivery_status, eventually, org, settings};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);
/// The longest message line the on-premises server reads.
const LONGEST_LINE: usize = 200;

/// An on-premises server that drops the connection on a long message line,
/// a partner for the reports, and a node relaying to both.
async fn node_with_picky_server() -> (SmtpServer, SmtpServer, TestNode) {
    let onprem = SmtpServer::start(
        SmtpBehavior::new().drop_on_data_line_longer_than(LONGEST_LINE, FaultAction::Close),
    )
    .await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings()).await;
    (onprem, partner, node)
}

/// Queues a message to alice with a line the on-premises server refuses.
async fn send_bad(node: &TestNode) -> String {
    let long_line = "x".repeat(4 * LONGEST_LINE);
    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        &format!("Subject: too long\n\n{long_line}\n"),
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    queue_id(&reply)
}

async fn send_normal(node: &TestNode, subject: &str) -> String {
    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        &format!("Subject: {subject}\n\nshort\n"),
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    queue_id(&reply)
}

/// Waits until the message's recipient was deferred after `attempts`
/// attempts with a data-stage `4.4.318`.
async fn deferred_for_its_data(node: &TestNode, id: &str, attempts: u32) {
    eventually(&format!("attempt {attempts} is deferred"), || async {
        let recipient = &node.message(id).await.recipients[0];
        recipient.state == RecipientState::Deferred
            && recipient.attempts == attempts
            && recipient
                .last_error
                .as_ref()
                .is_some_and(|e| e.diagnosis.is_data_stage_drop())
    })
    .await;
}

/// The queue key of the test organisation's `to-onprem` connector.
fn onprem_hop() -> String {
    format!("{ORG}/to-onprem")
}

async fn no_hold(node: &TestNode) {
    let hold = node.store.next_hop_hold(&onprem_hop()).await.unwrap();
    assert!(hold.is_none(), "the hop is held: {hold:?}");
}

#[tokio::test]
async fn a_message_dropped_during_its_data_holds_no_hop_and_mail_behind_it_flows() {
    let (onprem, _partner, node) = node_with_picky_server().await;
    let bad = send_bad(&node).await;
    deferred_for_its_data(&node, &bad, 1).await;
    no_hold(&node).await;

    // Mail queued behind it goes at once: the clock is not moved.
    let first = send_normal(&node, "first").await;
    let second = send_normal(&node, "second").await;
    onprem.wait_for_messages(2, WAIT).await.unwrap();
    eventually("the normal mail is recorded delivered", || async {
        node.states(&first).await == [RecipientState::Delivered]
            && node.states(&second).await == [RecipientState::Delivered]
    })
    .await;
    no_hold(&node).await;
    assert_eq!(node.states(&bad).await, [RecipientState::Deferred]);
    node.stop().await;
}

#[tokio::test]
async fn the_message_is_retried_on_its_own_schedule_and_bounced_with_its_diagnosis() {
    let (onprem, partner, node) = node_with_picky_server().await;
    let bad = send_bad(&node).await;
    let mut tried = onprem.connections();
    for attempt in 1..MAX_DATA_STAGE_FAILURES {
        deferred_for_its_data(&node, &bad, attempt).await;
        no_hold(&node).await;
        tried = onprem.connections().max(tried);
        // Its own schedule: 1 minute after the first drop, 5 after the
        // second (5 % jitter).
        let next = node.message(&bad).await.recipients[0]
            .next_attempt_at
            .unwrap();
        let wait = (next - node.now()).whole_seconds();
        let expected = [60, 300][attempt as usize - 1];
        assert!(
            (expected * 95 / 100..=expected * 105 / 100 + 1).contains(&wait),
            "attempt {attempt}: next in {wait}s, expected about {expected}s"
        );
        // Nothing is tried before then.
        node.advance(Duration::from_secs(wait as u64 / 2));
        assert_eq!(node.message(&bad).await.recipients[0].attempts, attempt);
        node.advance(Duration::from_secs(wait as u64 / 2 + 2));
    }

    eventually("the message fails for good", || async {
        node.states(&bad).await == [RecipientState::Failed]
    })
    .await;
    assert!(onprem.connections() > tried, "the last attempt was made");
    let recipient = &node.message(&bad).await.recipients[0];
    assert_eq!(recipient.attempts, MAX_DATA_STAGE_FAILURES);
    let error = recipient.last_error.as_ref().unwrap();
    assert_eq!(error.diagnosis.code().to_string(), "4.4.318");
    assert!(error.diagnosis.is_data_stage_drop());

    partner.wait_for_messages(1, WAIT).await.unwrap();
    let ndr = delivery_status(&partner.messages()[0].data);
    assert!(ndr.contains("Action: failed"), "{ndr}");
    assert!(
        ndr.contains("Final-Recipient: rfc822; alice@contoso.test"),
        "{ndr}"
    );
    assert!(ndr.contains("4.4.318"), "{ndr}");
    let events = node.store.events(bad.parse().unwrap()).await.unwrap();
    assert!(
        events.iter().any(
            |e| matches!(&e.kind, EventKind::Failed { diagnosis } if diagnosis.is_data_stage_drop())
        ),
        "{events:?}"
    );
    no_hold(&node).await;
    node.stop().await;
}

#[tokio::test]
async fn a_drop_before_data_still_holds_the_whole_hop() {
    let onprem =
        SmtpServer::start(SmtpBehavior::new().fault(FaultPoint::AfterRcpt, FaultAction::Close))
            .await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings()).await;
    let id = send_normal(&node, "held").await;
    eventually("the hop is held", || async {
        node.store
            .next_hop_hold(&onprem_hop())
            .await
            .unwrap()
            .is_some()
    })
    .await;
    let hold = node
        .store
        .next_hop_hold(&onprem_hop())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hold.diagnosis.code().to_string(), "4.4.318");
    assert!(hold.diagnosis.is_connection_level());
    let recipient = &node.message(&id).await.recipients[0];
    assert_eq!(recipient.state, RecipientState::Deferred);
    assert_eq!(recipient.next_attempt_at, Some(hold.until));

    // Mail queued behind it waits for the hold.
    let behind = send_normal(&node, "behind").await;
    node.wake();
    assert_eq!(node.message(&behind).await.recipients[0].attempts, 0);
    assert!(onprem.messages().is_empty());
    node.stop().await;
}
