//! Two nodes of a cluster (here two nodes on one store in one process)
//! never change the settings or apply fixes at the same time, and a node
//! that takes the settings works on what the other saved last.

use mailflow_relay::Node;
use mailflow_store::StoreError;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::{TestNode, org, settings};
use std::sync::Arc;

async fn two_nodes() -> (TestNode, mailflow_relay::RunningNode) {
    let onprem = SmtpServer::start(SmtpBehavior::new()).await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let first = TestNode::start(org(onprem.addr(), partner.addr()), settings()).await;
    let mut second = settings();
    second.node_name = "second.test".into();
    let clock: Arc<dyn mailflow_core::Clock> = first.clock.clone();
    let second = Node::start(second, first.store.clone(), clock)
        .await
        .unwrap();
    (first, second)
}

#[tokio::test]
async fn a_node_waits_for_the_settings_another_holds_then_reads_what_it_saved() {
    let (first, second) = two_nodes().await;
    let second = second.handle();

    let held = first.handle.lock_org_edits().await.unwrap();
    match second.lock_org_edits().await {
        Err(StoreError::Busy(reason)) => {
            assert!(reason.contains("relay.test"), "names the node: {reason}");
            assert!(reason.contains("settings"), "{reason}");
        }
        Err(other) => panic!("expected Busy, got {other}"),
        Ok(_) => panic!("two nodes held the settings at once"),
    }
    drop(held);

    let guard = second.lock_org_edits().await.unwrap();
    let mut changed = (*second.org()).clone();
    changed.directory.insert("carol@contoso.test");
    second.update_org(changed.clone()).await.unwrap();
    drop(guard);

    let _guard = first.handle.lock_org_edits().await.unwrap();
    assert_eq!(
        *first.handle.org(),
        changed,
        "the settings the other node saved are in force before they are changed here"
    );
}

#[tokio::test]
async fn only_one_node_applies_a_fix_at_a_time() {
    let (first, second) = two_nodes().await;
    let second = second.handle();
    let applying = first.handle.lock_fixes().await.unwrap();
    match second.lock_fixes().await {
        Err(StoreError::Busy(reason)) => assert!(reason.contains("fix"), "{reason}"),
        Err(other) => panic!("expected Busy, got {other}"),
        Ok(_) => panic!("two nodes applied fixes at once"),
    }
    drop(applying);
    assert!(second.lock_fixes().await.is_ok());
}
