//! `NodeHandle::reload` puts new settings in force for the next delivery
//! round: a recipient deferred under a one-hour retry schedule waits a
//! minute after its next failure once the schedule says so; what cannot
//! change while the node runs (its host name) stays.

use mailflow_relay::QueueSettings;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{TestNode, eventually, org, settings};
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

/// How long after `at` the recipient's next attempt is due.
async fn wait_after(node: &TestNode, id: &str, attempts: u32) -> Duration {
    eventually("the attempt is recorded", || async {
        node.message(id).await.recipients[0].attempts == attempts
    })
    .await;
    let recipient = node.message(id).await.recipients[0].clone();
    let due = recipient.next_attempt_at.expect("deferred");
    (due - node.now()).try_into().unwrap()
}

#[tokio::test]
async fn a_new_retry_schedule_applies_from_the_next_round() {
    let onprem =
        SmtpServer::start(SmtpBehavior::new().rcpt_reply_for("bob@contoso.test", "451 4.2.1 busy"))
            .await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let mut hourly = settings();
    hourly.queue = QueueSettings {
        retry: vec![HOUR],
        ..QueueSettings::default()
    };
    let node = TestNode::start(org(onprem.addr(), partner.addr()), hourly.clone()).await;
    let (code, reply) = send(
        node.smtp,
        "dave@example.test",
        &["bob@contoso.test"],
        "Subject: hi\n\nhello\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let id = queue_id(&reply);
    let first = wait_after(&node, &id, 1).await;
    assert!(first > HOUR.mul_f64(0.9), "{first:?}");

    let mut minutely = hourly.clone();
    minutely.queue.retry = vec![MINUTE];
    minutely.receive.hostname = "other.test".into();
    node.handle.reload(minutely).unwrap();
    assert_eq!(node.handle.hostname(), "relay.test");

    node.advance(HOUR.mul_f64(1.1));
    let second = wait_after(&node, &id, 2).await;
    assert!(
        second > MINUTE.mul_f64(0.9) && second < MINUTE.mul_f64(1.1),
        "{second:?}"
    );
    node.stop().await;
}
