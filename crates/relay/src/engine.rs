//! What the scheduler and its hop workers share.

use crate::NodeSettings;
use crate::availability::Availability;
use crate::retry::RetrySchedule;
use mailflow_core::{Clock, OrgSettings, Orgs};
use mailflow_deliver::Deliverer;
use mailflow_store::SharedStore;
use std::sync::Arc;
use tokio::sync::{Notify, watch};

pub(crate) struct Engine {
    /// Names this node in leases and events; fixed while it runs.
    pub node_name: String,
    /// Its own organisation (the one `trusted_networks` and SMTP AUTH
    /// relay for); fixed while it runs.
    pub org_name: String,
    /// The name it greets with and reports as; fixed while it runs.
    pub hostname: String,
    /// The settings in force, replaced as a whole when the config is
    /// reloaded; read once at the start of each round, so a round runs
    /// with one set of settings.
    pub live: watch::Sender<Arc<Live>>,
    pub store: SharedStore,
    pub clock: Arc<dyn Clock>,
    /// Every organisation's settings in force; each message is planned
    /// with its own organisation's.
    pub orgs: watch::Receiver<Arc<Orgs>>,
    /// Woken when work may have become due: a message was accepted, a hop
    /// worker finished, an operator acted.
    pub wake: Arc<Notify>,
    /// Whether the node takes work, or drains.
    pub availability: Availability,
    /// Tells the heartbeat to look for a drain request now (one made
    /// through this node's own API), not at its next interval.
    pub look_for_drain: Notify,
}

/// The settings in force and what is built from them.
pub(crate) struct Live {
    pub settings: NodeSettings,
    pub deliverer: Arc<Deliverer>,
    pub schedule: RetrySchedule,
}

impl Live {
    pub fn new(settings: NodeSettings, deliverer: Arc<Deliverer>) -> Live {
        Live {
            schedule: RetrySchedule::new(settings.queue.retry.clone()),
            settings,
            deliverer,
        }
    }
}

impl Engine {
    /// The node's own organisation's settings.
    pub fn org(&self) -> Arc<OrgSettings> {
        self.org_named(&self.org_name)
    }

    /// `name`'s settings (none at all for an organisation not served).
    pub fn org_named(&self, name: &str) -> Arc<OrgSettings> {
        self.orgs.borrow().settings_of(name)
    }

    pub fn orgs(&self) -> Arc<Orgs> {
        self.orgs.borrow().clone()
    }

    /// The settings in force now.
    pub fn live(&self) -> Arc<Live> {
        self.live.borrow().clone()
    }
}
