//! The values of node status: what a node writes at each heartbeat, and
//! what the store says of every node that ever wrote one.

use crate::StoreError;
use time::OffsetDateTime;

/// What a node says it is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeState {
    /// Taking mail and delivering it.
    Running,
    /// Asked to drain: taking nothing new, finishing what it holds.
    Draining,
    /// Drained: holds no work and takes none until it is resumed.
    Drained,
    /// Stopped cleanly: its name is free for the next start at once.
    Stopped,
}

impl NodeState {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Running => "running",
            NodeState::Draining => "draining",
            NodeState::Drained => "drained",
            NodeState::Stopped => "stopped",
        }
    }

    pub fn parse(text: &str) -> Option<NodeState> {
        Some(match text {
            "running" => NodeState::Running,
            "draining" => NodeState::Draining,
            "drained" => NodeState::Drained,
            "stopped" => NodeState::Stopped,
            _ => return None,
        })
    }

    pub(crate) fn from_db(text: &str) -> Result<NodeState, StoreError> {
        NodeState::parse(text)
            .ok_or_else(|| StoreError::Corrupt(format!("nodes.state: unknown value {text:?}")))
    }
}

/// One heartbeat of a node: written when it starts, then at every
/// heartbeat interval, and when its state changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeHeartbeat {
    pub name: String,
    /// The mailflow version the node runs.
    pub version: String,
    pub started_at: OffsetDateTime,
    /// When this heartbeat was written.
    pub at: OffsetDateTime,
    /// Until when this heartbeat says the node is alive: three heartbeat
    /// intervals after `at`. Each node writes its own, so that any node
    /// reading it judges it by the writer's interval.
    pub fresh_until: OffsetDateTime,
    pub state: NodeState,
    /// Where its admin API listens, if known (`http://host:port`).
    pub admin_addr: Option<String>,
}

/// A node as the store knows it, with the work it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeStatus {
    pub name: String,
    pub version: String,
    pub started_at: OffsetDateTime,
    /// Its last heartbeat.
    pub last_seen: OffsetDateTime,
    pub fresh_until: OffsetDateTime,
    /// As the node last wrote it.
    pub state: NodeState,
    pub admin_addr: Option<String>,
    /// When an operator asked it to drain, until it is resumed.
    pub drain_requested_at: Option<OffsetDateTime>,
    /// Recipients in flight under its lease.
    pub in_flight: u64,
}

impl NodeStatus {
    /// A node that has not written a heartbeat for three of its intervals
    /// and did not say it stopped: it is dead, hung or cut off, and the
    /// work it holds goes to other nodes as its leases run out.
    pub fn is_missing(&self, now: OffsetDateTime) -> bool {
        self.state != NodeState::Stopped && now >= self.fresh_until
    }
}
