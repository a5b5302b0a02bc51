//! The store's questions: listings with filters, expiry, delay notices,
//! organisation settings, events, and that the scheduling questions are
//! answered from indexes rather than by reading the whole queue.

use crate::common::*;
use mailflow_core::{Diagnosis, EnhancedCode, RecipientState};
use mailflow_store::{
    InsightStore, LastError, MessageFilter, OperatorStore, QueueStore, SettingsStore, Store,
};
use sqlx::{Connection, SqliteConnection};
use std::time::Duration;

/// Three messages: one to the onprem connector deferred with 4.4.316, one
/// to a partner delivered, one by MX still queued.
async fn seed(store: &impl Store) -> [mailflow_core::MessageId; 3] {
    let refused = onprem_message(t0(), "bob@acme.test");
    let delivered = message(
        t0() + minutes(1),
        "carol@acme.test",
        vec![recipient("Dave@Partner.test", Some("partner"))],
    );
    let queued = message(
        t0() + minutes(2),
        "zed@acme.test",
        vec![recipient("erin@example.test", None)],
    );
    for m in [&refused, &delivered, &queued] {
        store.accept_message(m.clone()).await.unwrap();
    }
    store.claim("onprem", t0(), "a", LEASE, 10).await.unwrap();
    store
        .claim("partner", t0() + minutes(1), "a", LEASE, 10)
        .await
        .unwrap();
    store
        .record(
            vec![
                deferral(refused.id, 0, t0(), t0() + minutes(10)),
                delivery(delivered.id, 0, t0() + minutes(1)),
            ],
            vec![],
        )
        .await
        .unwrap();
    [refused.id, delivered.id, queued.id]
}

async fn listed(store: &impl Store, filter: MessageFilter) -> Vec<mailflow_core::MessageId> {
    store
        .list_messages(&filter)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect()
}

#[tokio::test]
async fn list_messages_filters_by_state_connector_code_sender_and_recipient_newest_first() {
    let t = open_store().await;
    let [refused, delivered, queued] = seed(&t.store).await;
    let s = &t.store;

    assert_eq!(
        listed(s, MessageFilter::default()).await,
        vec![queued, delivered, refused]
    );
    let limited = MessageFilter {
        limit: 2,
        ..Default::default()
    };
    assert_eq!(listed(s, limited).await, vec![queued, delivered]);
    let deferred = MessageFilter {
        state: Some(RecipientState::Deferred),
        ..Default::default()
    };
    assert_eq!(listed(s, deferred).await, vec![refused]);
    let partner = MessageFilter {
        connector: Some("partner".into()),
        ..Default::default()
    };
    assert_eq!(listed(s, partner).await, vec![delivered]);
    let code = MessageFilter {
        code: Some("4.4.316".into()),
        ..Default::default()
    };
    assert_eq!(listed(s, code).await, vec![refused]);
    let other_code = MessageFilter {
        code: Some("4.4.315".into()),
        ..Default::default()
    };
    assert!(listed(s, other_code).await.is_empty());
    let sender = MessageFilter {
        sender: Some("ZED@acme.test".into()),
        ..Default::default()
    };
    assert_eq!(listed(s, sender).await, vec![queued]);
    let rcpt = MessageFilter {
        recipient: Some("dave@partner.test".into()),
        ..Default::default()
    };
    assert_eq!(listed(s, rcpt).await, vec![delivered]);
    let both = MessageFilter {
        connector: Some("onprem".into()),
        state: Some(RecipientState::Delivered),
        ..Default::default()
    };
    assert!(
        listed(s, both).await.is_empty(),
        "one recipient must match every recipient filter"
    );

    let full = s
        .list_messages(&MessageFilter {
            code: Some("4.4.316".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        full[0].recipients[0]
            .last_error
            .as_ref()
            .unwrap()
            .diagnosis
            .code()
            .to_string(),
        "4.4.316"
    );
    t.store.close().await.unwrap();
}

#[tokio::test]
async fn the_code_filter_uses_the_servers_own_enhanced_code() {
    let t = open_store().await;
    let m = onprem_message(t0(), "bob@acme.test");
    t.store.accept_message(m.clone()).await.unwrap();
    t.store.claim("onprem", t0(), "a", LEASE, 10).await.unwrap();
    let reply = mailflow_core::RemoteReply {
        code: 452,
        enhanced: Some(EnhancedCode(4, 2, 2)),
        text: "mailbox full".into(),
    };
    let mut update = deferral(m.id, 0, t0(), t0() + minutes(5));
    update.last_error = Some(LastError {
        diagnosis: Diagnosis::from_reply(mailflow_core::Stage::Rcpt, reply),
        server: None,
        at: t0(),
    });
    t.store.record(vec![update], vec![]).await.unwrap();
    let filter = MessageFilter {
        code: Some("4.2.2".into()),
        ..Default::default()
    };
    assert_eq!(listed(&t.store, filter).await, vec![m.id]);
    t.store.close().await.unwrap();
}

#[tokio::test]
async fn expired_messages_are_those_past_expiry_with_recipients_still_waiting() {
    let t = open_store().await;
    let [refused, delivered, queued] = seed(&t.store).await;
    let s = &t.store;
    assert!(
        s.expired_messages(t0() + EXPIRY - Duration::from_secs(1), 10)
            .await
            .unwrap()
            .is_empty()
    );

    let after = t0() + EXPIRY + minutes(5);
    let expired: Vec<_> = s
        .expired_messages(after, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(
        expired,
        vec![refused, queued],
        "earliest expiry first; delivered mail never expires"
    );
    assert!(!expired.contains(&delivered));
    assert_eq!(s.expired_messages(after, 1).await.unwrap().len(), 1);

    // Once failed, a recipient no longer makes its message expire.
    let mut failed = delivery(refused, 0, after);
    failed.state = RecipientState::Failed;
    failed.delivered_reply = None;
    s.record(vec![failed], vec![]).await.unwrap();
    let expired: Vec<_> = s
        .expired_messages(after, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(expired, vec![queued]);
    t.store.close().await.unwrap();
}

#[tokio::test]
async fn delay_notices_are_due_for_old_deferred_messages_once() {
    let t = open_store().await;
    let [refused, _delivered, _queued] = seed(&t.store).await;
    let s = &t.store;
    assert!(
        s.delay_notices_due(t0() - Duration::from_secs(1), 10)
            .await
            .unwrap()
            .is_empty(),
        "too young"
    );
    let due: Vec<_> = s
        .delay_notices_due(t0() + minutes(5), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(
        due,
        vec![refused],
        "only messages with a deferred recipient"
    );

    s.mark_delay_notice_sent(refused).await.unwrap();
    assert!(s.message(refused).await.unwrap().unwrap().delay_notice_sent);
    assert!(
        s.delay_notices_due(t0() + minutes(5), 10)
            .await
            .unwrap()
            .is_empty(),
        "one notice per message"
    );
    t.store.close().await.unwrap();
}

#[tokio::test]
async fn events_come_back_oldest_first_and_per_message() {
    let t = open_store().await;
    let m = onprem_message(t0(), "bob@acme.test");
    let other = onprem_message(t0(), "carol@acme.test");
    let first = operator_event(m.id, t0(), "one");
    let second = operator_event(m.id, t0() + Duration::from_secs(1), "two");
    let third = operator_event(m.id, t0() + Duration::from_secs(2), "three");
    let same_time = operator_event(m.id, t0() + Duration::from_secs(2), "four");
    t.store
        .record(vec![], vec![third.clone(), first.clone()])
        .await
        .unwrap();
    t.store
        .record(vec![], vec![operator_event(other.id, t0(), "elsewhere")])
        .await
        .unwrap();
    t.store
        .record(vec![], vec![second.clone(), same_time.clone()])
        .await
        .unwrap();
    assert_eq!(
        t.store.events(m.id).await.unwrap(),
        vec![first, second, third, same_time]
    );
    assert_eq!(t.store.events(other.id).await.unwrap().len(), 1);
    t.store.close().await.unwrap();
}

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

/// The plan SQLite picks for a query, one line per step.
async fn plan(conn: &mut SqliteConnection, sql: &str) -> String {
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
        .fetch_all(conn)
        .await
        .unwrap();
    rows.into_iter()
        .map(|row| row.3)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The scheduling statements themselves (due next hops, wake-up, claims)
/// are checked against their plans next to them, in the store's unit tests
/// (`sqlite/due.rs`, `sqlite/claim.rs`).
#[tokio::test]
async fn expiry_sweeps_read_the_pending_expiry_index() {
    let t = open_store().await;
    let path = t.store.path().to_path_buf();
    t.store.close().await.unwrap();
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();

    let expiry = plan(
        &mut conn,
        "SELECT id FROM messages WHERE pending = 1 AND expires_at <= 1",
    )
    .await;
    assert!(expiry.contains("messages_pending_expiry"), "{expiry}");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_message_queued_behind_a_held_next_hop_is_due_for_its_delay_notice() {
    let t = open_store().await;
    let [deferred, _delivered, queued] = seed(&t.store).await;
    let s = &t.store;
    let later = t0() + minutes(5);
    let due = |at| async move {
        let mut ids: Vec<_> = s
            .delay_notices_due(at, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        due(later).await,
        vec![deferred],
        "untried and not held: not yet"
    );

    s.hold_next_hop(mailflow_store::NextHopHold {
        next_hop: "mx/example.test".into(),
        until: t0() + minutes(30),
        failures: 1,
        diagnosis: refused(),
    })
    .await
    .unwrap();
    let mut both = vec![deferred, queued];
    both.sort();
    assert_eq!(due(later).await, both, "waiting behind its hop's hold");
    s.mark_delay_notice_sent(queued).await.unwrap();
    assert_eq!(due(later).await, vec![deferred], "one notice per message");
    t.store.close().await.unwrap();
}

#[tokio::test]
async fn a_recipient_delivered_after_a_deferral_keeps_no_last_error() {
    let TestStore { store, dir: _dir } = open_store().await;
    let refused = onprem_message(t0(), "bob@acme.test");
    store.accept_message(refused.clone()).await.unwrap();
    store.claim("onprem", t0(), "a", LEASE, 10).await.unwrap();
    store
        .record(
            vec![deferral(refused.id, 0, t0(), t0() + minutes(1))],
            vec![],
        )
        .await
        .unwrap();
    let deferred = store.message(refused.id).await.unwrap().unwrap();
    assert!(deferred.recipients[0].last_error.is_some());

    store
        .claim("onprem", t0() + minutes(1), "a", LEASE, 10)
        .await
        .unwrap();
    store
        .record(vec![delivery(refused.id, 0, t0() + minutes(1))], vec![])
        .await
        .unwrap();
    let delivered = store.message(refused.id).await.unwrap().unwrap();
    assert_eq!(delivered.recipients[0].state, RecipientState::Delivered);
    assert_eq!(delivered.recipients[0].last_error, None);
    let by_code = MessageFilter {
        code: Some("4.4.316".into()),
        ..Default::default()
    };
    assert!(listed(&store, by_code).await.is_empty());
}
