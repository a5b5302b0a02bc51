//! A whole mailflow node on loopback for end-to-end tests: a real SQLite
//! store in a temporary directory, a manual clock, SMTP on an ephemeral port.
//! Shared by the relay's, the fixes' and the admin API's tests so that each
//! starts the same node the same way.

pub mod submit;

mod node;
mod org;
mod queued;
mod report;
mod settings;
mod wait;

pub use node::TestNode;
pub use org::{connector, org, unused_addr};
pub use queued::queued_message;
pub use report::{delivery_status, delivery_status_part};
pub use settings::settings;
pub use wait::eventually;

/// The organisation every test node serves.
pub const ORG: &str = "default";
