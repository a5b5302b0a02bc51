//! What the scheduler and its hop workers share.

use crate::NodeSettings;
use crate::retry::RetrySchedule;
use mailflow_core::{Clock, OrgSettings};
use mailflow_deliver::Deliverer;
use mailflow_store::SharedStore;
use std::sync::Arc;
use tokio::sync::{Notify, watch};

pub(crate) struct Engine {
    pub settings: NodeSettings,
    pub store: SharedStore,
    pub clock: Arc<dyn Clock>,
    pub org: watch::Receiver<Arc<OrgSettings>>,
    pub deliverer: Deliverer,
    pub schedule: RetrySchedule,
    /// Woken when work may have become due: a message was accepted, a hop
    /// worker finished, an operator acted.
    pub wake: Arc<Notify>,
}

impl Engine {
    pub fn org(&self) -> Arc<OrgSettings> {
        self.org.borrow().clone()
    }
}
