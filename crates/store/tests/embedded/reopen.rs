//! What a reopen of the embedded store's directory keeps: organisation
//! settings, holds and events.

use crate::common::*;
use mailflow_store::{InsightStore, QueueStore, SettingsStore};

#[tokio::test]
async fn settings_holds_and_events_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = mailflow_store::SqliteStore::open(dir.path()).await.unwrap();
    let m = onprem_message(t0(), "bob@acme.test");
    store.accept_message(m.clone()).await.unwrap();
    store
        .save_org_settings("acme", &org_settings())
        .await
        .unwrap();
    let hold = mailflow_store::NextHopHold {
        next_hop: "onprem".into(),
        until: t0() + minutes(5),
        failures: 1,
        diagnosis: refused(),
    };
    store.hold_next_hop(hold.clone()).await.unwrap();
    store
        .record(vec![], vec![operator_event(m.id, t0(), "kept")])
        .await
        .unwrap();
    drop(store);

    let store = crate::common::reopen(dir.path(), Default::default()).await;
    assert_eq!(
        store.org_settings("acme").await.unwrap(),
        Some(org_settings())
    );
    assert_eq!(store.next_hop_hold("onprem").await.unwrap(), Some(hold));
    let events = store.events(m.id).await.unwrap();
    assert_eq!(
        events.len(),
        2,
        "the accept's received event and the operator's"
    );
    assert!(matches!(
        events[0].kind,
        mailflow_core::EventKind::Received { .. }
    ));
    store.close().await.unwrap();
}
