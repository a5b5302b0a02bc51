//! A next hop that stops answering holds only its own queue: mail for other
//! next hops keeps flowing past it (SPEC 9, fault tests).

use mailflow_core::RecipientState;
use mailflow_testkit::smtp_server::{FaultAction, FaultPoint, SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{TestNode, org, settings};
use std::time::Duration;

#[tokio::test]
async fn a_stalled_next_hop_does_not_block_mail_for_others() {
    // The on-premises server takes the connection, answers EHLO, then goes
    // silent; the command time-out is long, so the stall lasts the test.
    let stalled =
        SmtpServer::start(SmtpBehavior::new().fault(FaultPoint::AfterEhlo, FaultAction::Hang))
            .await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let mut settings = settings();
    settings.deliver.command_timeout = Duration::from_secs(120);
    let node = TestNode::start(org(stalled.addr(), partner.addr()), settings).await;

    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        "Subject: stuck\n\nx\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let stuck = queue_id(&reply);
    stalled
        .wait_for_connections(1, Duration::from_secs(10))
        .await
        .unwrap();

    let (code, reply) = send(
        node.smtp,
        "alice@contoso.test",
        &["carol@example.test"],
        "Subject: flows\n\ny\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    partner
        .wait_for_messages(1, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        partner.messages()[0].accepted_recipients(),
        ["carol@example.test"]
    );

    // The stalled delivery is still in the server's hands, not given up.
    assert_eq!(node.states(&stuck).await, [RecipientState::InFlight]);
    assert!(stalled.messages().is_empty());
    node.stop().await;
}
