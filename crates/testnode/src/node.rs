//! The running node and what tests read from it.

use crate::ORG;
use mailflow_core::{Clock, ManualClock, OrgSettings, RecipientState};
use mailflow_relay::{Node, NodeHandle, NodeSettings, RunningNode};
use mailflow_store::{MessageFilter, SharedStore, SqliteStore, StoredMessage};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub struct TestNode {
    pub node: Option<RunningNode>,
    pub handle: NodeHandle,
    pub clock: Arc<ManualClock>,
    pub store: SharedStore,
    pub smtp: SocketAddr,
    pub settings: NodeSettings,
    _dir: tempfile::TempDir,
}

impl TestNode {
    /// Saves `org` for [`ORG`] in a fresh store and starts a node on it.
    pub async fn start(org: OrgSettings, settings: NodeSettings) -> TestNode {
        TestNode::start_orgs(vec![(ORG, org)], settings).await
    }

    /// Saves each organisation's settings in a fresh store and starts a
    /// node on it (its own organisation is `settings.org`).
    pub async fn start_orgs(orgs: Vec<(&str, OrgSettings)>, settings: NodeSettings) -> TestNode {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
        for (name, org) in orgs {
            store.save_org_settings(name, &org).await.unwrap();
        }
        let clock = Arc::new(ManualClock::starting_now());
        let node = Node::start(settings.clone(), store.clone(), clock.clone())
            .await
            .unwrap();
        let smtp = node.smtp_addrs()[0];
        TestNode {
            handle: node.handle(),
            node: Some(node),
            clock,
            store,
            smtp,
            settings,
            _dir: dir,
        }
    }

    /// The node's data directory (the store and its spool).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// Moves the clock and lets the scheduler see it.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.wake();
    }

    /// Lets the scheduler look at the queue again.
    pub fn wake(&self) {
        self.node.as_ref().unwrap().wake();
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub async fn messages(&self) -> Vec<StoredMessage> {
        self.store
            .list_messages(&MessageFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
    }

    pub async fn message(&self, id: &str) -> StoredMessage {
        self.store
            .message(id.parse().unwrap())
            .await
            .unwrap()
            .expect("message in the store")
    }

    /// The states of a message's recipients, in order.
    pub async fn states(&self, id: &str) -> Vec<RecipientState> {
        let message = self.message(id).await;
        message.recipients.iter().map(|r| r.state).collect()
    }

    pub async fn stop(mut self) {
        if let Some(node) = self.node.take() {
            node.shutdown().await;
        }
    }
}
