//! A node renews the leases on the recipients it is delivering, so that
//! another node sharing its queue does not take over a delivery that is
//! only slow; a node that stops renewing lets its work go within a lease.

use mailflow_core::RecipientState;
use mailflow_testkit::smtp_server::{FaultAction, FaultPoint, SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{TestNode, eventually, org, settings};
use sqlx::{Connection, SqliteConnection};
use std::time::Duration;

/// When the lease on the message's first recipient ends, read from the
/// node's database.
async fn lease_end(node: &TestNode) -> Option<i64> {
    let url = format!(
        "sqlite://{}?mode=ro",
        node.data_dir().join("mailflow.db").display()
    );
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    let end = sqlx::query_scalar("SELECT lease_until FROM recipients WHERE state = 'in_flight'")
        .fetch_optional(&mut conn)
        .await
        .unwrap()
        .flatten();
    conn.close().await.ok();
    end
}

#[tokio::test]
async fn a_slow_delivery_keeps_its_lease_and_another_node_leaves_it_alone() {
    // The next hop takes the message and then never answers its final dot.
    let onprem = SmtpServer::start(SmtpBehavior::new().fault_in(
        FaultPoint::AfterFinalDot,
        FaultAction::Hang,
        0,
    ))
    .await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let mut settings = settings();
    settings.deliver.command_timeout = Duration::from_secs(3600);
    settings.queue.lease = Duration::from_secs(60);
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings).await;

    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        "Subject: slow\n\nx\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let id = queue_id(&reply);
    eventually("the delivery is under way", || async {
        node.states(&id).await == [RecipientState::InFlight] && lease_end(&node).await.is_some()
    })
    .await;
    let first_end = lease_end(&node).await.unwrap();

    // Past a third of the lease the node renews it: a whole lease from then.
    node.advance(Duration::from_secs(25));
    eventually("the lease is renewed", || async {
        lease_end(&node).await.is_some_and(|end| end > first_end)
    })
    .await;
    // Past where the first lease ended, another node finds nothing to take.
    node.advance(Duration::from_secs(40));
    let elsewhere = node
        .store
        .recover_in_flight("other.node", node.now())
        .await
        .unwrap();
    assert_eq!(elsewhere, 0, "a renewed lease is not taken over");
    assert_eq!(node.states(&id).await, [RecipientState::InFlight]);
    node.stop().await;
}
