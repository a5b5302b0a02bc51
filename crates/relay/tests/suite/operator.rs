//! Failing queued recipients by hand (what the fix actions use): the sender
//! gets a report, and unknown recipients count towards the quota.

use mailflow_core::{Diagnosis, RecipientState};
use mailflow_testkit::ports::refused_addr;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, delivery_status, eventually, org, settings};
use std::time::Duration;

#[tokio::test]
async fn recipients_failed_as_unknown_are_reported_and_count_towards_the_quota() {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(refused_addr(), partner.addr()), settings()).await;
    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["ghost@contoso.test"],
        "Subject: x\n\ny\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let id = queue_id(&reply);
    eventually("the first attempt is deferred", || async {
        node.message(&id).await.recipients[0].state == RecipientState::Deferred
    })
    .await;

    let unknown = Diagnosis::RecipientNotFound {
        address: "ghost@contoso.test".into(),
    };
    let failed = node
        .handle
        .fail_recipients(id.parse().unwrap(), &[0], unknown, "test")
        .await
        .unwrap();
    assert_eq!(failed, 1);

    partner
        .wait_for_messages(1, Duration::from_secs(10))
        .await
        .unwrap();
    let status = delivery_status(&partner.messages()[0].data);
    assert!(status.contains("Status: 5.1.10"), "{status}");
    let since = node.now() - Duration::from_secs(3600);
    let sources = node
        .store
        .invalid_recipients_since(ORG, since)
        .await
        .unwrap();
    assert_eq!(sources.len(), 1, "{sources:?}");
    assert_eq!(
        (sources[0].client.as_str(), sources[0].count),
        ("127.0.0.1", 1)
    );

    // Failing it again changes nothing: it is no longer waiting.
    let again = Diagnosis::RecipientNotFound {
        address: "ghost@contoso.test".into(),
    };
    assert_eq!(
        node.handle
            .fail_recipients(id.parse().unwrap(), &[0], again, "test")
            .await
            .unwrap(),
        0
    );
    node.stop().await;
}
