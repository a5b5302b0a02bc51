//! Several organisations on one node: each message is delivered with its
//! own organisation's settings, and one organisation's connector is a queue
//! of its own however another's of the same name fares.

use mailflow_core::RecipientState;
use mailflow_testkit::ports::refused_addr;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, eventually, org, queued_message, settings};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);
const GLOBEX: &str = "globex";

#[tokio::test]
async fn a_held_connector_of_one_organisation_leaves_anothers_of_the_same_name_flowing() {
    let globex_onprem = SmtpServer::start(SmtpBehavior::new()).await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    // The node's own organisation's `to-onprem` refuses connections;
    // globex's `to-onprem` is another server, which answers.
    let node = TestNode::start_orgs(
        vec![
            (ORG, org(refused_addr(), partner.addr())),
            (GLOBEX, org(globex_onprem.addr(), partner.addr())),
        ],
        settings(),
    )
    .await;
    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        "Subject: ours\n\nhello\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let ours = queue_id(&reply);
    let held = format!("{ORG}/to-onprem");
    eventually("our to-onprem is held", || async {
        node.store.next_hop_hold(&held).await.unwrap().is_some()
    })
    .await;

    let theirs = queued_message(GLOBEX, node.now(), "theirs");
    node.store.accept_message(theirs.clone()).await.unwrap();
    node.wake();

    globex_onprem.wait_for_messages(1, WAIT).await.unwrap();
    let received = &globex_onprem.messages()[0];
    assert!(received.data_text().contains("Subject: theirs"));
    eventually("globex's message is recorded delivered", || async {
        node.states(&theirs.id.to_string()).await == [RecipientState::Delivered]
    })
    .await;
    assert_eq!(node.states(&ours).await, [RecipientState::Deferred]);
    let their_hop = format!("{GLOBEX}/to-onprem");
    assert!(
        node.store
            .next_hop_hold(&their_hop)
            .await
            .unwrap()
            .is_none()
    );
    node.stop().await;
}
