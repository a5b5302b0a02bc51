//! The engine of a mailflow node: it starts the SMTP listener, claims due
//! work from the store, hands it to delivery, records outcomes, retries,
//! expires and notifies.

mod availability;
mod cluster_follower;
mod cluster_lock;
mod control;
mod data_drops;
mod delivery_log;
mod early_record;
mod engine;
mod failures;
mod heartbeat;
mod hop_worker;
mod lease_keeper;
mod lost_alert;
mod lost_bodies;
pub mod metrics;
mod node;
mod notices;
mod orgs_in_store;
mod outbound_body;
mod outcome;
mod owed_reports;
mod plan;
pub mod retry;
mod scheduler;

pub use cluster_lock::ClusterLock;
pub use control::{NodeHandle, ValidateError};
pub use data_drops::MAX_DATA_STAGE_FAILURES;
pub use lost_bodies::{LOST_BODY_CODE, lost_body};
pub use mailflow_deliver::ValidationReport;
pub use mailflow_store::NodeState;
pub use node::{Node, NodeError, RunningNode};

use mailflow_deliver::DeliverySettings;
use mailflow_receive::ReceiveSettings;
use std::time::Duration;
/// Everything a node needs, built from the config by the binary.
#[derive(Debug, Clone)]
pub struct NodeSettings {
    /// Names this node in leases and events.
    pub node_name: String,
    pub org: String,
    pub receive: ReceiveSettings,
    pub deliver: DeliverySettings,
    pub queue: QueueSettings,
    pub heartbeat: HeartbeatSettings,
}

/// What the node says of itself in its heartbeats, and how often.
#[derive(Debug, Clone)]
pub struct HeartbeatSettings {
    /// How often the node writes its heartbeat and looks for a drain
    /// request; three intervals without one and it is shown missing.
    pub interval: Duration,
    /// The mailflow version the node runs.
    pub version: String,
    /// Where its admin API listens (`http://host:port`), if it has one.
    pub admin_url: Option<String>,
}

impl Default for HeartbeatSettings {
    fn default() -> Self {
        HeartbeatSettings {
            interval: Duration::from_secs(10),
            version: env!("CARGO_PKG_VERSION").to_string(),
            admin_url: None,
        }
    }
}

/// From the `[queue]` section.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    /// The waits between attempts; the last one repeats.
    pub retry: Vec<Duration>,
    pub expiration: Duration,
    /// `None`: no delay notices.
    pub delay_notice: Option<Duration>,
    /// Connections open at once per next hop (a connector's own
    /// `max_connections` overrides it).
    pub max_connections_per_hop: usize,
    /// Messages carried by one connection before it is closed.
    pub max_messages_per_connection: usize,
    /// How long a claim lasts before another node may take the work over;
    /// renewed every third of it while the node delivers (`lease_keeper`).
    pub lease: Duration,
}

impl Default for QueueSettings {
    /// SPEC 2: 1 min, 5 min, 15 min, 30 min, then every hour; 24 hours;
    /// a delay notice at 4 hours.
    fn default() -> Self {
        const MINUTE: u64 = 60;
        QueueSettings {
            retry: [1, 5, 15, 30, 60]
                .map(|m| Duration::from_secs(m * MINUTE))
                .to_vec(),
            expiration: Duration::from_secs(24 * 60 * MINUTE),
            delay_notice: Some(Duration::from_secs(4 * 60 * MINUTE)),
            max_connections_per_hop: 10,
            max_messages_per_connection: 100,
            lease: Duration::from_secs(2 * MINUTE),
        }
    }
}
