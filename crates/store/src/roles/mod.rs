//! The store's contract, one trait per role. A back end implements each;
//! `Store` is all of them, so one value serves every part of the node.

mod alerts;
mod audit;
mod auth;
mod bodies;
mod cluster;
mod insight;
mod nodes;
mod operator;
mod queue;
mod settings;

pub use alerts::AlertStore;
pub use audit::AuditStore;
pub use auth::AuthStore;
pub use bodies::BodyStore;
pub use cluster::{CLUSTER_LEASE, ClusterStore, StoreChanges};
pub use insight::InsightStore;
pub use nodes::NodeStore;
pub use operator::OperatorStore;
pub use queue::QueueStore;
pub use settings::SettingsStore;
