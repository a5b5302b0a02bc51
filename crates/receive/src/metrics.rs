//! What the SMTP listener reports to the process's metrics recorder (the
//! `metrics` facade; the admin API renders it at `/metrics`): the sessions
//! open, and how long a message waits between the end of its data and the
//! `250` that says it is stored.

use std::time::Duration;

/// SMTP sessions open now.
pub const SESSIONS_OPEN: &str = "mailflow_smtp_sessions_open";
/// Seconds from the end of a message's data (the final dot) to its `250`.
pub const ACCEPTANCE_LATENCY_SECONDS: &str = "mailflow_smtp_acceptance_latency_seconds";

/// Gives the recorder the help text of the listener's metrics.
pub fn describe() {
    metrics::describe_gauge!(SESSIONS_OPEN, "SMTP sessions open now.");
    metrics::describe_histogram!(
        ACCEPTANCE_LATENCY_SECONDS,
        metrics::Unit::Seconds,
        "Time from the end of a message's data to the 250 that says it is stored."
    );
}

/// Counts one open session for as long as it is held.
pub(crate) struct OpenSession(());

impl OpenSession {
    pub(crate) fn new() -> OpenSession {
        metrics::gauge!(SESSIONS_OPEN).increment(1.0);
        OpenSession(())
    }
}

impl Drop for OpenSession {
    fn drop(&mut self) {
        metrics::gauge!(SESSIONS_OPEN).decrement(1.0);
    }
}

pub(crate) fn accepted_after(latency: Duration) {
    metrics::histogram!(ACCEPTANCE_LATENCY_SECONDS).record(latency.as_secs_f64());
}
