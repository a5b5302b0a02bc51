//! Insights: the live picture of each connector (SPEC 4, "Insights, per
//! connector") — how much is queued and since when, the breakdown by code,
//! the last error with its server and the last address tried, attempts and
//! successes over the last hour, a status, an explanation in mailflow's own
//! words, and the fix actions that apply — plus the per-minute history the
//! console draws.
//!
//! Everything is computed from the store, the organisation's settings and
//! an injected clock; nothing here opens a socket.
//!
//! # Status
//!
//! See [`status::judge`]: `failing` when mail is waiting and the connector's
//! latest failure was at connection level with no success since, or when
//! every attempt of the last hour failed; `degraded` when some attempts
//! failed or waiting mail carries an error but the connector is not
//! failing; `healthy` otherwise.

mod codes;
mod compute;
mod explanation;
mod fixes;
mod growth;
mod history;
mod model;
pub mod status;

pub use compute::{MX_ROUTING, connector_insight, connector_insights};
pub use history::{HistorySettings, run_history, run_history_with, sample_minute};
pub use mailflow_ndr::Language;
pub use model::{
    CodeCount, ConnectorInsight, Explanation, HistoryPoint, InsightKind, LastErrorInsight, Status,
};
