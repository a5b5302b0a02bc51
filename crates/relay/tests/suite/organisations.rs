//! Several organisations on one node: each message is delivered with its
//! own organisation's settings, and one organisation's connector is a queue
//! of its own however another's of the same name fares.

use mailflow_core::{MessageId, RecipientState, Route, RouteReason};
use mailflow_store::{NewMessage, NewRecipient};
use mailflow_testkit::ports::refused_addr;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, eventually, org, settings};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);
const GLOBEX: &str = "globex";

/// A message of `org` for alice@contoso.test through its `to-onprem`, put
/// in the queue as the receiver would.
fn queued_for(org: &str, node: &TestNode, subject: &str) -> NewMessage {
    let route = Route {
        connector: Some("to-onprem".into()),
        domain: "contoso.test".into(),
    };
    let now = node.now();
    NewMessage {
        message_id_header: None,
        id: MessageId::new(),
        org: org.into(),
        sender: "bob@example.test".into(),
        client: "192.0.2.7".into(),
        received_at: now,
        expires_at: now + Duration::from_secs(24 * 3600),
        dsn: Default::default(),
        body: format!("Subject: {subject}\r\n\r\nhello\r\n")
            .into_bytes()
            .into(),
        recipients: vec![NewRecipient {
            reason: Some(RouteReason::PartnerDomain {
                domain: "contoso.test".into(),
            }),
            address: "alice@contoso.test".into(),
            dsn: Default::default(),
            next_hop: route.next_hop(org, true),
            route,
        }],
    }
}

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

    let theirs = queued_for(GLOBEX, &node, "theirs");
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
