//! A message's life in the queue, on every back end: accepted, claimed,
//! deferred, claimed again, delivered.

use crate::backends::every_backend;
use crate::common::*;
use mailflow_core::RecipientState;
use std::time::Duration;

#[tokio::test]
async fn a_message_is_accepted_claimed_deferred_and_delivered() {
    for backend in every_backend().await {
        let name = backend.name();
        let (queue, bodies) = (backend.queue(), backend.bodies());
        let m = onprem_message(t0(), "bob@acme.test");
        queue.accept_message(m.clone()).await.unwrap();
        assert_eq!(
            bodies.body(m.id).await.unwrap(),
            Some(m.body.to_vec()),
            "{name}"
        );

        let claimed = queue.claim("onprem", t0(), "a", LEASE, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "{name}");
        assert_eq!(claimed[0].recipients[0].attempts, 0, "{name}");
        let retry_at = t0() + minutes(10);
        queue
            .record(vec![deferral(m.id, 0, t0(), retry_at)], vec![])
            .await
            .unwrap();
        let r = &queue.message(m.id).await.unwrap().unwrap().recipients[0];
        assert_eq!(r.state, RecipientState::Deferred, "{name}");
        assert_eq!(r.attempts, 1, "{name}");
        assert_eq!(r.next_attempt_at, Some(retry_at), "{name}");
        assert!(
            queue
                .due_next_hops(t0() + minutes(9), COUNT_ALL)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        assert_eq!(queue.next_wakeup().await.unwrap(), Some(retry_at), "{name}");

        let claimed = queue
            .claim("onprem", retry_at, "a", LEASE, 10)
            .await
            .unwrap();
        assert_eq!(claimed[0].recipients[0].attempts, 1, "{name}");
        let done_at = retry_at + Duration::from_secs(3);
        queue
            .record(vec![delivery(m.id, 0, done_at)], vec![])
            .await
            .unwrap();
        let r = &queue.message(m.id).await.unwrap().unwrap().recipients[0];
        assert_eq!(r.state, RecipientState::Delivered, "{name}");
        assert_eq!(r.attempts, 2, "{name}");
        assert!(r.last_error.is_none(), "{name}");
        assert_eq!(queue.next_wakeup().await.unwrap(), None, "{name}");
    }
}
