//! Repeated `kill -9` under load, with the real binary: a few SMTP clients
//! send messages with unique subjects while mailflow relays them to a live
//! sink, and mailflow is killed at a moment drawn from a seeded RNG, then
//! restarted on the same data directory, round after round. At the end,
//! after a last restart, every message that got `250` must have reached the
//! sink at least once. Messages that arrived more than once are counted and
//! reported, not failed: a kill between the sink's `250` and mailflow
//! recording the delivery means it is sent again, which is allowed.
//!
//! Three rounds by default, so that the suite stays fast. The long run:
//! `MAILFLOW_CRASH_ROUNDS=20 cargo test -p mailflow --test suite crash_loop:: -- --nocapture`;
//! `MAILFLOW_CRASH_SEED=<u64>` replays other kill moments.

use crate::common::Serve;
use crate::common::crash::{Submission, subjects_of, submit_subject, write_crash_config};
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const DEFAULT_ROUNDS: usize = 3;
const DEFAULT_SEED: u64 = 0x6d61_696c_666c_6f77;
/// Concurrent SMTP clients during each round.
const CLIENTS: usize = 4;
/// A client stops after this many messages in one round even if no kill came.
const MAX_MESSAGES_PER_CLIENT: usize = 300;
/// When the kill comes, in milliseconds after the load starts.
const KILL_AFTER_MS: std::ops::Range<u64> = 10..300;
/// How long the last run has to deliver every accepted message.
const DELIVERY_DEADLINE: Duration = Duration::from_secs(60);

/// What the load clients saw for each subject.
type Ledger = BTreeMap<String, Submission>;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
        Err(_) => default,
    }
}

/// Sends messages until `stop` is set, the node stops answering, or the
/// per-round cap is reached.
async fn load_client(
    smtp: SocketAddr,
    round: usize,
    client: usize,
    stop: Arc<AtomicBool>,
) -> Ledger {
    let mut ledger = Ledger::new();
    for n in 0..MAX_MESSAGES_PER_CLIENT {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let subject = format!("crash-loop round {round} client {client} message {n}");
        let outcome = submit_subject(smtp, &subject).await;
        ledger.insert(subject, outcome);
        if outcome != Submission::Accepted {
            break;
        }
    }
    ledger
}

/// One round: start mailflow, put it under load, `kill -9` it after
/// `kill_after`, and collect what the clients saw.
async fn crash_round(config: &Path, round: usize, kill_after: Duration) -> Ledger {
    let node = tokio::task::block_in_place(|| Serve::start(config));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| tokio::spawn(load_client(node.smtp, round, client, stop.clone())))
        .collect();
    // The point of the round: the kill lands at a chosen moment of the load.
    tokio::time::sleep(kill_after).await;
    // Submissions under way stay under way: the kill cuts them off.
    stop.store(true, Ordering::Relaxed);
    node.kill9();
    let mut ledger = Ledger::new();
    for client in clients {
        ledger.extend(client.await.unwrap());
    }
    ledger
}

/// Waits, at most `within`, until every subject in `expected` reached the
/// sink; returns how many times each subject arrived.
async fn wait_for_delivery(
    sink: &SmtpServer,
    expected: &BTreeSet<String>,
    within: Duration,
) -> HashMap<String, usize> {
    let deadline = Instant::now() + within;
    loop {
        let messages = sink.messages();
        let mut arrivals = HashMap::new();
        for subject in subjects_of(&messages) {
            *arrivals.entry(subject).or_insert(0) += 1;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if expected.iter().all(|s| arrivals.contains_key(s)) || left.is_zero() {
            return arrivals;
        }
        let _ = sink.wait_for_messages(messages.len() + 1, left).await;
    }
}

fn with_outcome(ledger: &Ledger, wanted: Submission) -> BTreeSet<String> {
    ledger
        .iter()
        .filter(|(_, outcome)| **outcome == wanted)
        .map(|(subject, _)| subject.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_accepted_message_is_delivered_across_repeated_kill_9_under_load() {
    let rounds: usize = env_or("MAILFLOW_CRASH_ROUNDS", DEFAULT_ROUNDS);
    let seed: u64 = env_or("MAILFLOW_CRASH_SEED", DEFAULT_SEED);
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    // The next hop stays up across every restart, so deliveries are really
    // in flight when a kill lands.
    let sink = SmtpServer::start(SmtpBehavior::new()).await;
    let config = write_crash_config(dir.path(), sink.addr());

    let mut ledger = Ledger::new();
    for round in 0..rounds {
        let kill_after = Duration::from_millis(rng.random_range(KILL_AFTER_MS));
        ledger.extend(crash_round(&config, round, kill_after).await);
    }
    let accepted = with_outcome(&ledger, Submission::Accepted);
    let unanswered = with_outcome(&ledger, Submission::Unanswered);
    assert!(!accepted.is_empty(), "the load got some messages accepted");

    let node = tokio::task::block_in_place(|| Serve::start(&config));
    let arrivals = wait_for_delivery(&sink, &accepted, DELIVERY_DEADLINE).await;
    drop(node);

    let lost: Vec<&String> = accepted
        .iter()
        .filter(|s| !arrivals.contains_key(*s))
        .collect();
    let duplicates = arrivals.values().filter(|count| **count > 1).count();
    let unanswered_delivered = unanswered
        .iter()
        .filter(|s| arrivals.contains_key(*s))
        .count();
    eprintln!(
        "crash loop: seed {seed:#x}, {rounds} rounds, {} messages started, {} accepted, \
         {} unanswered ({unanswered_delivered} of them delivered), lost {}, duplicates {duplicates}",
        ledger.len(),
        accepted.len(),
        unanswered.len(),
        lost.len(),
    );
    assert!(lost.is_empty(), "accepted but never delivered: {lost:?}");
}
