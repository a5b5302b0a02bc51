//! Mail flow intelligence on the shared database: the queue per
//! connector, outcome counts over a window, the trace, the per-minute
//! history and retention. See `docs/postgres-store.md`.
//!
//! As in the embedded store, the waiting counts (`pending_counts`, kept
//! by the code that changes recipients; see `queue::counts`) answer how
//! many wait; what they cannot say is read per connector and code from
//! the partial index over pending recipients, and attempts from the
//! events of one connector, per type.

pub mod delivery;
pub mod events;
pub mod history;
pub mod older_than;
pub mod queue_stats;
pub mod retention;
pub mod trace;
