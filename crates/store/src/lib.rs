//! mailflow's durable state behind one contract, split by role.
//!
//! The queue is the only thing the rooms of the relay share (as in Postfix):
//! the receiver writes messages into it, the scheduler claims due recipients
//! from it and records their outcomes, the admin API reads it. The contract
//! is one trait per role (`QueueStore`, `BodyStore`, `InsightStore`,
//! `AlertStore`, `OperatorStore`, `AuditStore`, `SettingsStore`,
//! `AuthStore`, `NodeStore`); `Store` is
//! all of them. `SqliteStore` is the embedded back end that `mailflow serve`
//! uses by default. A PostgreSQL back end for several nodes implements the
//! same traits: claims carry a node name and a lease for that reason.

mod admin_token;
pub mod alert_check;
mod alert_model;
mod arrival_events;
mod cluster_lease;
mod columns;
mod data_dir_lock;
mod decode;
mod error;
mod folded_updates;
mod insight;
mod insight_rows;
mod message_query;
mod message_retention;
pub mod metrics;
mod model;
mod node_status;
#[cfg(test)]
mod older_schema;
mod operator;
mod operator_rows;
mod organisation;
mod piece_reader;
mod postgres;
pub mod private_files;
mod queue_ops;
mod queue_rows;
mod roles;
mod sqlite;
mod stored_body;

pub use admin_token::{AdminToken, TokenScope};
pub use alert_model::InvalidRecipientSource;
pub use alert_model::{
    Alert, AlertId, AlertObservation, AlertRule, AlertRuleOverrides, AlertRules, AlertSettings,
    AlertStateFilter, AlertValues, Enqueued, NewNotification, NotificationChannel, ObservedAlert,
    OutboxEntry, OutboxRetry,
};
pub use data_dir_lock::{DataDirLock, Holder, LOCK_FILE, LockError};
pub use error::{DatabaseError, DatabaseFailure, StoreError};
pub use insight::{DeliveryStats, HistoryBucket, TraceFilter, TracedMessage};
/// Messages `prune_messages` looks at per write transaction.
pub use message_retention::BATCH as MESSAGE_PRUNE_BATCH;
pub use model::ConnectorQueueStats;
pub use model::{
    ClaimedMessage, ClaimedRecipient, DueNextHop, LastError, MessageCursor, MessageFilter,
    NewMessage, NewRecipient, NextHopHold, OwedReport, RecipientUpdate, Schedule, StoredMessage,
    StoredRecipient,
};
pub use node_status::{NodeHeartbeat, NodeState, NodeStatus};
pub use operator::{AuditEntry, PendingRecipient, WaitingCount, WaitingCursor};
pub use organisation::{OrgRemoval, OrgRename};
pub use postgres::{PostgresOptions, PostgresStore};
pub use queue_ops::{ConnectorChoice, QueueAction, QueueSelection, SelectedMessage};
pub use roles::{
    AlertStore, AuditStore, AuthStore, BodyStore, CLUSTER_LEASE, ClusterStore, InsightStore,
    NodeStore, OperatorStore, QueueStore, SettingsStore, StoreChanges,
};
pub use sqlite::{SqliteOptions, SqliteStore};
pub use stored_body::{BodyReader, StoredBody};

use std::sync::Arc;

pub type Result<T> = std::result::Result<T, StoreError>;

/// The durable state of a mailflow node (or of several nodes sharing one
/// database): every role, implemented by every back end.
pub trait Store:
    QueueStore
    + BodyStore
    + InsightStore
    + AlertStore
    + OperatorStore
    + AuditStore
    + SettingsStore
    + AuthStore
    + ClusterStore
    + NodeStore
{
}

impl<T> Store for T where
    T: QueueStore
        + BodyStore
        + InsightStore
        + AlertStore
        + OperatorStore
        + AuditStore
        + SettingsStore
        + AuthStore
        + ClusterStore
        + NodeStore
{
}

pub type SharedStore = Arc<dyn Store>;
