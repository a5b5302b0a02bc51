//! A delivery is recorded when the next hop accepts the message, not when
//! the connection's whole batch is done: a node killed in the middle of a
//! batch must not send again what the batch had already delivered.

use mailflow_core::{Diagnosis, RecipientState};
use mailflow_store::NextHopHold;
use mailflow_testkit::smtp_server::{FaultAction, FaultPoint, SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, eventually, org, settings};
use std::time::Duration;

#[tokio::test]
async fn messages_a_connection_delivered_are_recorded_while_it_is_still_busy() {
    // The next hop takes two messages and then falls silent on the third
    // one's final dot, for longer than the test lasts.
    let onprem = SmtpServer::start(SmtpBehavior::new().fault_in(
        FaultPoint::AfterFinalDot,
        FaultAction::Hang,
        2,
    ))
    .await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let mut settings = settings();
    settings.deliver.command_timeout = Duration::from_secs(120);
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings).await;

    // Queue three messages behind a hold, then release them together so
    // that one connection carries all three.
    let hop = &format!("{ORG}/to-onprem");
    node.store
        .hold_next_hop(NextHopHold {
            next_hop: hop.clone(),
            until: node.now() + Duration::from_secs(3600),
            failures: 1,
            diagnosis: Diagnosis::ConnectionRefused {
                addr: onprem.addr(),
            },
        })
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..3 {
        let (code, reply) = send(
            node.smtp,
            "bob@example.test",
            &["alice@contoso.test"],
            &format!("Subject: batch {n}\n\nx\n"),
        )
        .await;
        assert_eq!(code, 250, "{reply}");
        ids.push(queue_id(&reply));
    }
    node.store.retry_now(hop, node.now()).await.unwrap();
    node.wake();

    onprem
        .wait_for_messages(3, Duration::from_secs(10))
        .await
        .unwrap();
    eventually(
        "the two answered messages are recorded delivered",
        || async {
            node.states(&ids[0]).await == [RecipientState::Delivered]
                && node.states(&ids[1]).await == [RecipientState::Delivered]
        },
    )
    .await;
    assert_eq!(onprem.connections(), 1, "one connection carried the batch");
    assert_eq!(
        node.states(&ids[2]).await,
        [RecipientState::InFlight],
        "the message whose reply never came is still in the server's hands"
    );
    let trace = node.store.events(ids[0].parse().unwrap()).await.unwrap();
    assert!(
        trace
            .iter()
            .any(|event| matches!(event.kind, mailflow_core::EventKind::Delivered { .. })),
        "the early record carries the delivered event"
    );
    node.stop().await;
}
