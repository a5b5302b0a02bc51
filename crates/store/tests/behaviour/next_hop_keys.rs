//! Queue keys name their organisation (`acme/onprem`). The upgrade that
//! made them so gives waiting recipients and holds the new keys and leaves
//! finished recipients' keys as they were written.

use crate::backends::every_backend;
use crate::common::*;
use mailflow_core::Diagnosis;
use mailflow_store::NextHopHold;

const SQLITE_UPGRADE: &str = include_str!("../../migrations/sqlite/0021_next_hops_per_org.sql");
const POSTGRES_UPGRADE: &str = include_str!("../../migrations/postgres/0007_next_hops_per_org.sql");

#[tokio::test]
async fn the_upgrade_names_the_organisation_in_waiting_keys_and_holds() {
    for backend in every_backend().await {
        println!("back end: {}", backend.name());
        let queue = backend.queue();
        // Written as an earlier mailflow wrote them: keys by connector alone.
        let finished = onprem_message(t0(), "bob@acme.test");
        queue.accept_message(finished.clone()).await.unwrap();
        queue.claim("onprem", t0(), "a", LEASE, 10).await.unwrap();
        queue
            .record(vec![delivery(finished.id, 0, t0())], vec![])
            .await
            .unwrap();
        let waiting = onprem_message(t0(), "carol@acme.test");
        queue.accept_message(waiting.clone()).await.unwrap();
        queue
            .hold_next_hop(NextHopHold {
                next_hop: "onprem".into(),
                until: t0() + minutes(5),
                failures: 1,
                diagnosis: Diagnosis::ConnectionRefused {
                    addr: "127.0.0.1:25".parse().unwrap(),
                },
            })
            .await
            .unwrap();

        backend
            .execute(match backend.name() {
                "sqlite" => SQLITE_UPGRADE,
                _ => POSTGRES_UPGRADE,
            })
            .await;

        let key = |id| {
            let queue = queue.clone();
            async move {
                let message = queue.message(id).await.unwrap().unwrap();
                message.recipients[0].next_hop.clone()
            }
        };
        assert_eq!(key(waiting.id).await, "acme/onprem");
        assert_eq!(key(finished.id).await, "onprem", "kept for the trace");
        assert!(queue.next_hop_hold("acme/onprem").await.unwrap().is_some());
        assert!(queue.next_hop_hold("onprem").await.unwrap().is_none());
        let claimed = queue
            .claim("acme/onprem", t0() + minutes(10), "a", LEASE, 10)
            .await
            .unwrap();
        assert_eq!(
            claimed.len(),
            1,
            "the waiting recipient is due under its new key"
        );
    }
}
