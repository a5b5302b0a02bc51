//! What the store reports to the process's metrics recorder (the `metrics`
//! facade; the admin API renders it at `/metrics`): how many writes wait
//! for the writer task, and how long its group commits take.

use std::time::Duration;

/// Write requests sent to the writer task and not yet taken by it.
pub const WRITER_QUEUE_LENGTH: &str = "mailflow_store_writer_queue_length";
/// Seconds one group commit (accepted messages and outcome records, one
/// transaction) took, from its first statement to its commit.
pub const COMMIT_DURATION_SECONDS: &str = "mailflow_store_commit_duration_seconds";

/// Gives the recorder the help text of the store's metrics.
pub fn describe() {
    metrics::describe_gauge!(
        WRITER_QUEUE_LENGTH,
        "Write requests waiting for the store's writer task."
    );
    metrics::describe_histogram!(
        COMMIT_DURATION_SECONDS,
        metrics::Unit::Seconds,
        "Time one group commit of accepted messages and outcome records took."
    );
}

/// A request on its way into the writer's queue: counted from before it
/// is sent, so the writer never takes one that was not counted, and no
/// longer if it never gets in (the writer stopped, or its caller went away
/// while the queue was full).
pub(crate) struct Joining {
    sent: bool,
}

impl Joining {
    pub(crate) fn new() -> Joining {
        metrics::gauge!(WRITER_QUEUE_LENGTH).increment(1.0);
        Joining { sent: false }
    }

    /// The request is in the queue: the writer uncounts it as it takes it.
    pub(crate) fn sent(mut self) {
        self.sent = true;
    }
}

impl Drop for Joining {
    fn drop(&mut self) {
        if !self.sent {
            taken(1);
        }
    }
}

/// `count` requests left the queue, taken by the writer.
pub(crate) fn taken(count: usize) {
    if count > 0 {
        metrics::gauge!(WRITER_QUEUE_LENGTH).decrement(count as f64);
    }
}

pub(crate) fn committed(took: Duration) {
    metrics::histogram!(COMMIT_DURATION_SECONDS).record(took.as_secs_f64());
}
