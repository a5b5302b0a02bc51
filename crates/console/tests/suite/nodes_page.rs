//! The Nodes page over real HTTP: this node is listed with its state and a
//! Drain button; draining it from the page (with the session's CSRF token)
//! drains the node, says so, audits it as the console, and offers Resume,
//! which takes it back; a form without the token changes nothing.

use crate::common::Console;
use mailflow_store::NodeState;
use mailflow_testnode::{TestNode, eventually, org, unused_addr};
use std::time::Duration;

const THIS: &str = "relay.test";

async fn start() -> Console {
    let node = TestNode::start(
        org(unused_addr(), unused_addr()),
        mailflow_testnode::settings(),
    )
    .await;
    Console::start(node).await
}

async fn until_state(console: &Console, wanted: NodeState) {
    let mut state = console.node.handle.watch_node_state();
    tokio::time::timeout(Duration::from_secs(10), state.wait_for(|s| *s == wanted))
        .await
        .unwrap_or_else(|_| panic!("the node is not {wanted:?} in time"))
        .unwrap();
}

#[tokio::test]
async fn a_node_is_drained_and_resumed_from_the_nodes_page() {
    let console = start().await;
    let browser = console.logged_in().await;
    let page = browser.get("/nodes").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.has("<h1>Nodes</h1>"), "{}", page.body);
    assert!(page.has("relay.test <span class=\"hint\">(this node)</span>"));
    assert!(
        page.has("<td data-state=\"running\">Running</td>"),
        "{}",
        page.body
    );
    assert!(
        page.has("action=\"/nodes/relay.test/drain\""),
        "{}",
        page.body
    );

    let drained = browser
        .submit("/nodes", "/nodes/relay.test/drain", &[])
        .await;
    assert_eq!(drained.status, 303, "{}", drained.body);
    assert_eq!(drained.location.as_deref(), Some("/nodes"));
    until_state(&console, NodeState::Drained).await;
    let entries = console.node.store.audit_entries(None, 1).await.unwrap();
    assert_eq!(
        (
            entries[0].action.as_str(),
            entries[0].target.as_str(),
            entries[0].actor.as_str()
        ),
        ("node-drain", THIS, "console")
    );
    eventually("the page shows the node drained", || async {
        browser
            .get("/nodes")
            .await
            .has("data-state=\"drained\">Drained<")
    })
    .await;
    let page = browser.get("/nodes").await;
    assert!(
        page.has("action=\"/nodes/relay.test/resume\""),
        "{}",
        page.body
    );

    let resumed = browser
        .submit("/nodes", "/nodes/relay.test/resume", &[])
        .await;
    assert_eq!(resumed.status, 303, "{}", resumed.body);
    let after = browser.get("/nodes").await;
    assert!(after.has("Takes work again: relay.test"), "{}", after.body);
    until_state(&console, NodeState::Running).await;
    console.stop().await;
}

#[tokio::test]
async fn a_drain_form_without_the_session_csrf_token_changes_nothing() {
    let console = start().await;
    let browser = console.logged_in().await;
    let refused = browser.post("/nodes/relay.test/drain", &[]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(!console.node.store.drain_requested(THIS).await.unwrap());
    assert_eq!(console.node.handle.node_state(), NodeState::Running);
    console.stop().await;
}
