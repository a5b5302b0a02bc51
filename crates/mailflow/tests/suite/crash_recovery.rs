//! The durability contract end to end, with the real binary: every message
//! that got `250` is delivered after `kill -9` or SIGTERM and a restart.

use crate::common::Serve;
use crate::common::crash::{Submission, received_subjects, submit_subject, write_crash_config};
use mailflow_testkit::ports::BlackHole;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use std::collections::BTreeSet;
use std::time::Duration;

const MESSAGES: usize = 20;

async fn accepted_then_stopped(stop: impl FnOnce(Serve)) {
    let dir = tempfile::tempdir().unwrap();
    // The next hop never answers a connection: every delivery is in flight
    // (connecting) when mailflow is stopped.
    let black_hole = BlackHole::new().await;
    let next_hop = black_hole.addr();
    let config = write_crash_config(dir.path(), next_hop);

    let relay = Serve::start(&config);
    let mut accepted = BTreeSet::new();
    for n in 0..MESSAGES {
        let subject = format!("message-{n}");
        if submit_subject(relay.smtp, &subject).await == Submission::Accepted {
            accepted.insert(subject);
        }
    }
    assert_eq!(
        accepted.len(),
        MESSAGES,
        "every message is accepted before the stop"
    );
    stop(relay);

    drop(black_hole);
    let sink = SmtpServer::start_on(next_hop, SmtpBehavior::new()).await;
    let relay = Serve::start(&config);
    sink.wait_for_messages(MESSAGES, Duration::from_secs(30))
        .await
        .unwrap();
    let delivered: BTreeSet<String> = received_subjects(&sink).into_iter().collect();
    assert_eq!(
        delivered, accepted,
        "every accepted message is delivered after the restart"
    );
    drop(relay);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_accepted_message_is_delivered_after_kill_9_and_a_restart() {
    accepted_then_stopped(Serve::kill9).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_cleanly_and_deliveries_in_flight_go_back_to_the_queue() {
    accepted_then_stopped(|relay| {
        let status = relay.terminate();
        assert!(
            status.success(),
            "mailflow exits cleanly on SIGTERM: {status}"
        );
    })
    .await;
}
