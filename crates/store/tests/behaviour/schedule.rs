//! Scheduling: due next hops, claims, outcomes, holds, wake-ups, recovery
//! and retry-now, all on the injected time passed in.

use crate::backends::every_backend;
use crate::common::*;
use mailflow_core::RecipientState;
use mailflow_store::NextHopHold;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn due_next_hops_counts_due_recipients_per_next_hop() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let two = message(
            t0(),
            "alice@acme.test",
            vec![
                recipient("bob@acme.test", Some("onprem")),
                recipient("carol@example.test", None),
            ],
        );
        store.accept_message(two).await.unwrap();
        store
            .accept_message(onprem_message(t0(), "dave@acme.test"))
            .await
            .unwrap();
        store
            .accept_message(onprem_message(t0() + minutes(10), "erin@acme.test"))
            .await
            .unwrap();

        let due = store.due_next_hops(t0(), COUNT_ALL).await.unwrap();
        let summary: Vec<_> = due
            .iter()
            .map(|d| (d.next_hop.as_str(), d.due_recipients, d.hold.is_some()))
            .collect();
        assert_eq!(
            summary,
            vec![("mx/example.test", 1, false), ("onprem", 2, false)]
        );
        assert!(
            store
                .due_next_hops(t0() - minutes(1), COUNT_ALL)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn claim_takes_only_due_recipients_of_the_hop_oldest_first_and_marks_them_in_flight() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let mixed = message(
            t0() + minutes(2),
            "alice@acme.test",
            vec![
                recipient("bob@acme.test", Some("onprem")),
                recipient("carol@example.test", None),
            ],
        );
        let older = onprem_message(t0(), "dave@acme.test");
        let later = onprem_message(t0() + minutes(30), "erin@acme.test");
        for m in [&mixed, &older, &later] {
            store.accept_message(m.clone()).await.unwrap();
        }

        let now = t0() + minutes(5);
        let claimed = store
            .claim("onprem", now, "node-a", LEASE, 10)
            .await
            .unwrap();
        let ids: Vec<_> = claimed.iter().map(|m| m.id).collect();
        assert_eq!(
            ids,
            vec![older.id, mixed.id],
            "oldest due first, not-yet-due left"
        );
        let mixed_claim = &claimed[1];
        assert_eq!(mixed_claim.recipients.len(), 1, "only the onprem recipient");
        assert_eq!(mixed_claim.recipients[0].index, 0);
        assert_eq!(mixed_claim.recipients[0].address, "bob@acme.test");
        assert_eq!(mixed_claim.sender, "alice@acme.test");
        assert_eq!(mixed_claim.size, mixed.body.len() as u64);

        let stored = store.message(mixed.id).await.unwrap().unwrap();
        assert_eq!(stored.recipients[0].state, RecipientState::InFlight);
        assert_eq!(stored.recipients[1].state, RecipientState::Queued);
        assert!(
            store
                .claim("onprem", now, "node-a", LEASE, 10)
                .await
                .unwrap()
                .is_empty(),
            "nothing claimed twice"
        );
        let due = store.due_next_hops(now, COUNT_ALL).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].next_hop, "mx/example.test");
    }
}

#[tokio::test]
async fn claim_respects_max_messages() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        for i in 0..5 {
            store
                .accept_message(onprem_message(
                    t0() + Duration::from_secs(i),
                    "bob@acme.test",
                ))
                .await
                .unwrap();
        }
        let now = t0() + minutes(1);
        assert_eq!(
            store
                .claim("onprem", now, "a", LEASE, 2)
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            store
                .claim("onprem", now, "a", LEASE, 2)
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            store
                .claim("onprem", now, "a", LEASE, 2)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn record_applies_outcomes_and_events_and_a_cycle_ends_delivered() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let m = onprem_message(t0(), "bob@acme.test");
        store.accept_message(m.clone()).await.unwrap();

        // First attempt: deferred for ten minutes.
        let claimed = store.claim("onprem", t0(), "a", LEASE, 10).await.unwrap();
        assert_eq!(claimed[0].recipients[0].attempts, 0);
        let retry_at = t0() + minutes(10);
        let events = vec![operator_event(m.id, t0(), "first attempt")];
        store
            .record(vec![deferral(m.id, 0, t0(), retry_at)], events)
            .await
            .unwrap();
        let r = &store.message(m.id).await.unwrap().unwrap().recipients[0];
        assert_eq!(r.state, RecipientState::Deferred);
        assert_eq!(r.attempts, 1);
        assert_eq!(r.next_attempt_at, Some(retry_at));
        assert_eq!(r.last_error.as_ref().unwrap().diagnosis, refused());
        assert!(
            store
                .due_next_hops(t0() + minutes(9), COUNT_ALL)
                .await
                .unwrap()
                .is_empty()
        );

        // Second attempt: delivered; the deferral's error stays in the events only.
        let claimed = store
            .claim("onprem", retry_at, "a", LEASE, 10)
            .await
            .unwrap();
        assert_eq!(claimed[0].recipients[0].attempts, 1);
        let done_at = retry_at + Duration::from_secs(3);
        store
            .record(
                vec![delivery(m.id, 0, done_at)],
                vec![operator_event(m.id, done_at, "delivered")],
            )
            .await
            .unwrap();
        let r = &store.message(m.id).await.unwrap().unwrap().recipients[0];
        assert_eq!(r.state, RecipientState::Delivered);
        assert_eq!(r.attempts, 2);
        assert_eq!(r.next_attempt_at, None);
        assert_eq!(r.delivered_reply.as_deref(), Some("250 2.0.0 queued as 42"));
        assert!(
            r.last_error.is_none(),
            "a delivered recipient keeps no last error"
        );
        assert_eq!(r.updated_at, done_at);
        assert_eq!(
            backend.insight().events(m.id).await.unwrap().len(),
            3,
            "received, then the two recorded"
        );
        assert_eq!(
            store.next_wakeup().await.unwrap(),
            None,
            "nothing left to do"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_claimers_never_claim_the_same_recipient() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        for i in 0..60 {
            let m = message(
                t0(),
                "alice@acme.test",
                vec![
                    recipient(&format!("u{i}@acme.test"), Some("onprem")),
                    recipient(&format!("v{i}@acme.test"), Some("onprem")),
                ],
            );
            store.accept_message(m).await.unwrap();
        }
        let store = Arc::new(store);
        let claimer = |node: &'static str| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut taken = Vec::new();
                for _ in 0..100 {
                    let claimed = store.claim("onprem", t0(), node, LEASE, 7).await.unwrap();
                    if claimed.is_empty() {
                        break;
                    }
                    for m in claimed {
                        taken.extend(m.recipients.iter().map(|r| (m.id, r.index)));
                    }
                }
                taken
            })
        };
        let (a, b) = (claimer("a"), claimer("b"));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let all: HashSet<_> = a.iter().chain(&b).copied().collect();
        assert_eq!(a.len() + b.len(), 120, "every recipient claimed");
        assert_eq!(all.len(), 120, "no recipient claimed twice");
    }
}

fn hold(next_hop: &str, until: time::OffsetDateTime, failures: u32) -> NextHopHold {
    NextHopHold {
        next_hop: next_hop.to_string(),
        until,
        failures,
        diagnosis: refused(),
    }
}

#[tokio::test]
async fn a_held_next_hop_is_not_due_until_the_hold_ends_and_then_reports_a_probe() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let first = onprem_message(t0(), "bob@acme.test");
        store.accept_message(first.clone()).await.unwrap();
        store
            .accept_message(message(
                t0(),
                "a@acme.test",
                vec![recipient("x@example.test", None)],
            ))
            .await
            .unwrap();
        let until = t0() + minutes(5);
        store.hold_next_hop(hold("onprem", until, 2)).await.unwrap();
        assert_eq!(
            store.next_hop_hold("onprem").await.unwrap(),
            Some(hold("onprem", until, 2))
        );

        let due = store
            .due_next_hops(t0() + minutes(1), COUNT_ALL)
            .await
            .unwrap();
        assert_eq!(
            due.iter().map(|d| d.next_hop.as_str()).collect::<Vec<_>>(),
            vec!["mx/example.test"]
        );
        assert!(
            store
                .claim("onprem", t0() + minutes(1), "a", LEASE, 10)
                .await
                .unwrap()
                .is_empty()
        );

        // Mail queued while the hop is held waits for the hold's end too.
        let while_held = onprem_message(t0() + minutes(1), "carol@acme.test");
        store.accept_message(while_held.clone()).await.unwrap();
        let stored = store.message(while_held.id).await.unwrap().unwrap();
        assert_eq!(stored.recipients[0].next_attempt_at, Some(until));

        let due = store.due_next_hops(until, COUNT_ALL).await.unwrap();
        let onprem = due
            .iter()
            .find(|d| d.next_hop == "onprem")
            .expect("due once the hold ends");
        assert_eq!(onprem.due_recipients, 2);
        assert_eq!(
            onprem.hold,
            Some(hold("onprem", until, 2)),
            "an expired hold means: probe first"
        );
        let probe = store.claim("onprem", until, "a", LEASE, 1).await.unwrap();
        assert_eq!(probe.len(), 1);

        store.release_next_hop("onprem").await.unwrap();
        assert_eq!(store.next_hop_hold("onprem").await.unwrap(), None);
        let due = store.due_next_hops(until, COUNT_ALL).await.unwrap();
        let onprem = due.iter().find(|d| d.next_hop == "onprem").unwrap();
        assert_eq!((onprem.due_recipients, onprem.hold.is_some()), (1, false));
    }
}

#[tokio::test]
async fn a_new_hold_replaces_the_previous_one() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        store
            .hold_next_hop(hold("onprem", t0() + minutes(1), 1))
            .await
            .unwrap();
        store
            .hold_next_hop(hold("onprem", t0() + minutes(5), 2))
            .await
            .unwrap();
        assert_eq!(
            store.next_hop_hold("onprem").await.unwrap(),
            Some(hold("onprem", t0() + minutes(5), 2))
        );
    }
}

#[tokio::test]
async fn next_wakeup_is_the_earliest_due_time_hold_end_or_expiry() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        assert_eq!(store.next_wakeup().await.unwrap(), None);

        let m = onprem_message(t0(), "bob@acme.test");
        store.accept_message(m.clone()).await.unwrap();
        assert_eq!(
            store.next_wakeup().await.unwrap(),
            Some(t0()),
            "due at once"
        );

        store.claim("onprem", t0(), "a", LEASE, 10).await.unwrap();
        assert_eq!(
            store.next_wakeup().await.unwrap(),
            None,
            "in flight: nothing to wake for"
        );

        let retry_at = t0() + minutes(10);
        store
            .record(vec![deferral(m.id, 0, t0(), retry_at)], vec![])
            .await
            .unwrap();
        assert_eq!(store.next_wakeup().await.unwrap(), Some(retry_at));

        // A hold later than the retry pushes the wake-up to the hold's end.
        let until = t0() + minutes(30);
        store.hold_next_hop(hold("onprem", until, 1)).await.unwrap();
        assert_eq!(store.next_wakeup().await.unwrap(), Some(until));

        // A message expiring before that wakes the scheduler first.
        let mut short = message(
            t0(),
            "a@acme.test",
            vec![recipient("x@other.test", Some("partner"))],
        );
        short.expires_at = t0() + minutes(20);
        store.accept_message(short.clone()).await.unwrap();
        store.claim("partner", t0(), "a", LEASE, 10).await.unwrap();
        store
            .record(
                vec![deferral(short.id, 0, t0(), t0() + minutes(40))],
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(store.next_wakeup().await.unwrap(), Some(short.expires_at));

        // The scheduler reads the two apart: when hops have work, and (less
        // often) the earliest expiry.
        let schedule = store.schedule(t0(), COUNT_ALL).await.unwrap();
        assert!(schedule.due.is_empty(), "nothing is due at t0");
        assert_eq!(
            schedule.next_attempt,
            Some(until),
            "the onprem hold ends first"
        );
        assert_eq!(store.next_expiry().await.unwrap(), Some(short.expires_at));
    }
}

#[tokio::test]
async fn recover_in_flight_takes_over_other_nodes_work_only_once_its_lease_ran_out() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        store
            .accept_message(onprem_message(t0(), "bob@acme.test"))
            .await
            .unwrap();
        store
            .claim("onprem", t0(), "node-a", LEASE, 10)
            .await
            .unwrap();
        assert_eq!(
            store
                .recover_in_flight("node-b", t0() + LEASE)
                .await
                .unwrap(),
            0,
            "lease still running"
        );
        let later = t0() + LEASE + Duration::from_secs(1);
        assert_eq!(store.recover_in_flight("node-b", later).await.unwrap(), 1);
        assert_eq!(
            store
                .claim("onprem", later, "node-b", LEASE, 10)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn recovered_work_of_a_held_hop_waits_for_the_hold() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let m = onprem_message(t0(), "bob@acme.test");
        store.accept_message(m.clone()).await.unwrap();
        store
            .claim("onprem", t0(), "node-a", LEASE, 10)
            .await
            .unwrap();
        let until = t0() + minutes(15);
        store.hold_next_hop(hold("onprem", until, 1)).await.unwrap();
        store
            .recover_in_flight("node-a", t0() + minutes(1))
            .await
            .unwrap();
        let r = &store.message(m.id).await.unwrap().unwrap().recipients[0];
        assert_eq!(r.next_attempt_at, Some(until));
        assert_eq!(store.next_wakeup().await.unwrap(), Some(until));
    }
}

#[tokio::test]
async fn retry_now_makes_the_hops_pending_recipients_due_and_lifts_its_hold() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let deferred = onprem_message(t0(), "bob@acme.test");
        let queued = onprem_message(t0() + Duration::from_secs(1), "carol@acme.test");
        let elsewhere = message(t0(), "a@acme.test", vec![recipient("x@example.test", None)]);
        for m in [&deferred, &queued, &elsewhere] {
            store.accept_message(m.clone()).await.unwrap();
        }
        store.claim("onprem", t0(), "a", LEASE, 1).await.unwrap();
        store
            .record(
                vec![deferral(deferred.id, 0, t0(), t0() + minutes(60))],
                vec![],
            )
            .await
            .unwrap();
        store
            .hold_next_hop(hold("onprem", t0() + minutes(30), 3))
            .await
            .unwrap();

        let now = t0() + minutes(2);
        assert!(
            store
                .due_next_hops(now, COUNT_ALL)
                .await
                .unwrap()
                .iter()
                .all(|d| d.next_hop != "onprem")
        );
        assert_eq!(store.retry_now("onprem", now).await.unwrap(), 2);
        assert_eq!(store.next_hop_hold("onprem").await.unwrap(), None);
        let due = store.due_next_hops(now, COUNT_ALL).await.unwrap();
        let onprem = due.iter().find(|d| d.next_hop == "onprem").unwrap();
        assert_eq!((onprem.due_recipients, onprem.hold.is_some()), (2, false));
        let r = &store
            .message(deferred.id)
            .await
            .unwrap()
            .unwrap()
            .recipients[0];
        assert_eq!(
            (r.state, r.next_attempt_at),
            (RecipientState::Deferred, Some(now))
        );
    }
}

#[tokio::test]
async fn a_released_recipient_without_due_time_is_due_at_the_update() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let m = onprem_message(t0(), "bob@acme.test");
        store.accept_message(m.clone()).await.unwrap();
        store.claim("onprem", t0(), "a", LEASE, 10).await.unwrap();
        let mut release = delivery(m.id, 0, t0() + minutes(1));
        release.state = RecipientState::Queued;
        release.attempts_added = 0;
        release.delivered_reply = None;
        store.record(vec![release], vec![]).await.unwrap();
        let r = &store.message(m.id).await.unwrap().unwrap().recipients[0];
        assert_eq!(
            (r.state, r.next_attempt_at, r.attempts),
            (RecipientState::Queued, Some(t0() + minutes(1)), 0)
        );
    }
}

#[tokio::test]
async fn due_next_hops_counts_due_recipients_only_up_to_the_cap_asked_for() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        for i in 0..5 {
            store
                .accept_message(onprem_message(t0(), &format!("u{i}@acme.test")))
                .await
                .unwrap();
        }
        let capped = store.due_next_hops(t0(), 3).await.unwrap();
        assert_eq!(capped[0].due_recipients, 3);
        let all = store.due_next_hops(t0(), COUNT_ALL).await.unwrap();
        assert_eq!(all[0].due_recipients, 5);
    }
}

#[tokio::test]
async fn a_hold_ends_before_a_later_own_due_time_and_reads_show_when_each_recipient_is_due() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let waiting = onprem_message(t0(), "bob@acme.test");
        let retried = onprem_message(t0(), "carol@acme.test");
        for m in [&waiting, &retried] {
            store.accept_message(m.clone()).await.unwrap();
        }
        store.claim("onprem", t0(), "a", LEASE, 1).await.unwrap();
        store
            .record(
                vec![deferral(waiting.id, 0, t0(), t0() + minutes(10))],
                vec![],
            )
            .await
            .unwrap();
        let until = t0() + minutes(5);
        store.hold_next_hop(hold("onprem", until, 1)).await.unwrap();

        // While held, a recipient due earlier reads as due at the hold's end;
        // one due after it keeps its own time.
        let read = |id| {
            let store = &store;
            async move { store.message(id).await.unwrap().unwrap().recipients[0].next_attempt_at }
        };
        assert_eq!(read(retried.id).await, Some(until));
        assert_eq!(read(waiting.id).await, Some(t0() + minutes(10)));
        assert_eq!(store.next_wakeup().await.unwrap(), Some(until));
        assert!(
            store
                .due_next_hops(until - Duration::from_secs(1), COUNT_ALL)
                .await
                .unwrap()
                .is_empty()
        );

        // At the hold's end only the recipient due before it is due, as a probe.
        let due = store.due_next_hops(until, COUNT_ALL).await.unwrap();
        assert_eq!(
            due.iter()
                .map(|d| (d.next_hop.as_str(), d.due_recipients, d.hold.is_some()))
                .collect::<Vec<_>>(),
            vec![("onprem", 1, true)]
        );
        let probe = store.claim("onprem", until, "a", LEASE, 10).await.unwrap();
        assert_eq!(
            probe.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![retried.id]
        );
        store.release_next_hop("onprem").await.unwrap();
        assert_eq!(
            store.next_wakeup().await.unwrap(),
            Some(t0() + minutes(10)),
            "the hold is gone; the deferred recipient's own time is next"
        );
    }
}

#[tokio::test]
async fn a_hold_after_a_hold_of_a_large_backlog_keeps_every_recipient_waiting_for_the_last_one() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let mut ids = Vec::new();
        for i in 0..300 {
            let m = onprem_message(t0() + Duration::from_millis(i), &format!("u{i}@acme.test"));
            ids.push(m.id);
            store.accept_message(m).await.unwrap();
        }
        let mut until = t0();
        for failures in 1..=4 {
            let probe_at = until;
            let probe = store
                .claim("onprem", probe_at, "a", LEASE, 1)
                .await
                .unwrap();
            assert_eq!(probe.len(), 1, "one probe at the end of hold {failures}");
            until = probe_at + minutes(failures.into());
            store
                .record(vec![deferral(probe[0].id, 0, probe_at, until)], vec![])
                .await
                .unwrap();
            store
                .hold_next_hop(hold("onprem", until, failures))
                .await
                .unwrap();
            assert_eq!(store.next_wakeup().await.unwrap(), Some(until));
            assert!(
                store
                    .due_next_hops(until - Duration::from_secs(1), COUNT_ALL)
                    .await
                    .unwrap()
                    .is_empty(),
                "nothing of the held hop is due before hold {failures} ends"
            );
        }
        let due = store.due_next_hops(until, COUNT_ALL).await.unwrap();
        assert_eq!(due[0].due_recipients, 300);
        // The oldest first: the probes, deferred to the hold's end, come last.
        store.release_next_hop("onprem").await.unwrap();
        let claimed = store.claim("onprem", until, "a", LEASE, 300).await.unwrap();
        let order: Vec<_> = claimed.iter().map(|m| m.id).collect();
        assert_eq!(order[..296], ids[4..]);
    }
}

#[tokio::test]
async fn claim_takes_whole_messages_when_their_recipients_fill_more_than_a_page() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let three = message(
            t0(),
            "alice@acme.test",
            vec![
                recipient("a@acme.test", Some("onprem")),
                recipient("b@acme.test", Some("onprem")),
                recipient("x@example.test", None),
                recipient("c@acme.test", Some("onprem")),
            ],
        );
        let next = onprem_message(t0() + Duration::from_secs(1), "d@acme.test");
        let last = onprem_message(t0() + Duration::from_secs(2), "e@acme.test");
        for m in [&three, &next, &last] {
            store.accept_message(m.clone()).await.unwrap();
        }
        let claimed = store
            .claim("onprem", t0() + minutes(1), "a", LEASE, 2)
            .await
            .unwrap();
        assert_eq!(
            claimed.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![three.id, next.id]
        );
        let indexes: Vec<u32> = claimed[0].recipients.iter().map(|r| r.index).collect();
        assert_eq!(
            indexes,
            vec![0, 1, 3],
            "every due recipient of the hop, in order"
        );
        let rest = store
            .claim("onprem", t0() + minutes(1), "a", LEASE, 2)
            .await
            .unwrap();
        assert_eq!(rest.iter().map(|m| m.id).collect::<Vec<_>>(), vec![last.id]);
    }
}

#[tokio::test]
async fn retry_now_rewrites_only_recipients_due_later_and_counts_every_waiting_one() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let due_before = onprem_message(t0(), "bob@acme.test");
        let deferred = onprem_message(t0(), "carol@acme.test");
        for m in [&due_before, &deferred] {
            store.accept_message(m.clone()).await.unwrap();
        }
        let claimed = store.claim("onprem", t0(), "a", LEASE, 2).await.unwrap();
        assert_eq!(claimed.len(), 2);
        store
            .record(
                vec![
                    deferral(due_before.id, 0, t0(), t0() + minutes(1)),
                    deferral(deferred.id, 0, t0(), t0() + minutes(90)),
                ],
                vec![],
            )
            .await
            .unwrap();
        store
            .hold_next_hop(hold("onprem", t0() + minutes(30), 2))
            .await
            .unwrap();
        let now = t0() + minutes(5);
        assert_eq!(store.retry_now("onprem", now).await.unwrap(), 2);
        let read = |id| {
            let store = &store;
            async move { store.message(id).await.unwrap().unwrap().recipients[0].clone() }
        };
        let kept = read(due_before.id).await;
        assert_eq!(
            kept.next_attempt_at,
            Some(t0() + minutes(1)),
            "due already: kept"
        );
        assert_eq!(kept.updated_at, t0(), "not written");
        let moved = read(deferred.id).await;
        assert_eq!((moved.next_attempt_at, moved.updated_at), (Some(now), now));
        let claimed = store.claim("onprem", now, "a", LEASE, 10).await.unwrap();
        assert_eq!(
            claimed.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![due_before.id, deferred.id]
        );
    }
}

#[tokio::test]
async fn a_message_accepted_while_its_next_hop_is_held_is_due_when_the_hold_ends() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let until = t0() + minutes(30);
        store.hold_next_hop(hold("onprem", until, 2)).await.unwrap();
        let held = onprem_message(t0(), "bob@acme.test");
        let free = message(
            t0(),
            "a@acme.test",
            vec![recipient("x@other.test", Some("partner"))],
        );
        store.accept_message(held.clone()).await.unwrap();
        store.accept_message(free.clone()).await.unwrap();
        for (id, due) in [(held.id, until), (free.id, t0())] {
            let stored = store.message(id).await.unwrap().unwrap();
            assert_eq!(stored.recipients[0].next_attempt_at, Some(due));
        }
    }
}

#[tokio::test]
async fn release_claims_gives_back_only_what_is_still_in_flight_under_the_lease() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let store = backend.queue();
        let m = message(
            t0(),
            "a@example.test",
            vec![
                recipient("bob@acme.test", Some("onprem")),
                recipient("carol@acme.test", Some("onprem")),
            ],
        );
        store.accept_message(m.clone()).await.unwrap();
        store.claim("onprem", t0(), "a", LEASE, 10).await.unwrap();
        // The round recorded bob's outcome, then failed before carol's.
        store
            .record(vec![delivery(m.id, 0, t0())], Vec::new())
            .await
            .unwrap();

        let claims = vec![(m.id, 0), (m.id, 1)];
        let retry_at = t0() + minutes(1);
        let other = store.release_claims("b", claims.clone(), t0(), retry_at);
        assert_eq!(
            other.await.unwrap(),
            0,
            "another node's claims are not ours"
        );
        let released = store.release_claims("a", claims, t0(), retry_at);
        assert_eq!(released.await.unwrap(), 1);

        let recipients = store.message(m.id).await.unwrap().unwrap().recipients;
        assert_eq!(recipients[0].state, RecipientState::Delivered);
        assert_eq!(recipients[1].state, RecipientState::Queued);
        assert_eq!(recipients[1].next_attempt_at, Some(retry_at));
        assert!(
            store
                .claim("onprem", t0(), "a", LEASE, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let later = store
            .claim("onprem", retry_at, "a", LEASE, 10)
            .await
            .unwrap();
        assert_eq!(later[0].recipients.len(), 1);
    }
}
