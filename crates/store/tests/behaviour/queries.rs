//! The store's questions: listings with filters, expiry, delay notices and
//! events.

use crate::backends::every_backend;
use crate::common::*;
use mailflow_core::{Diagnosis, EnhancedCode, RecipientState};
use mailflow_store::{LastError, MessageCursor, MessageFilter, Store};
use std::time::Duration;

/// Three messages: one to the onprem connector deferred with 4.4.316, one
/// to a partner delivered, one by MX still queued.
async fn seed(store: &dyn Store) -> [mailflow_core::MessageId; 3] {
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

async fn listed(store: &dyn Store, filter: MessageFilter) -> Vec<mailflow_core::MessageId> {
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
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let [refused, delivered, queued] = seed(&*store).await;
        let by = |f: fn(&mut MessageFilter)| {
            let mut filter = MessageFilter::default();
            f(&mut filter);
            filter
        };
        let cases = [
            (by(|_| ()), vec![queued, delivered, refused]),
            (by(|f| f.limit = 2), vec![queued, delivered]),
            (
                by(|f| f.state = Some(RecipientState::Deferred)),
                vec![refused],
            ),
            (
                by(|f| f.connector = Some("partner".into())),
                vec![delivered],
            ),
            (by(|f| f.code = Some("4.4.316".into())), vec![refused]),
            (by(|f| f.code = Some("4.4.315".into())), vec![]),
            (
                by(|f| f.sender = Some("ZED@acme.test".into())),
                vec![queued],
            ),
            (
                by(|f| f.recipient = Some("dave@partner.test".into())),
                vec![delivered],
            ),
            (
                by(|f| f.received_before = Some(t0() + minutes(2))),
                vec![delivered, refused],
            ),
            (
                by(|f| f.received_after = Some(t0() + minutes(1))),
                vec![queued, delivered],
            ),
            // One recipient must match every recipient filter.
            (
                by(|f| {
                    f.connector = Some("onprem".into());
                    f.state = Some(RecipientState::Delivered);
                }),
                vec![],
            ),
        ];
        for (filter, expected) in cases {
            assert_eq!(
                listed(&*store, filter.clone()).await,
                expected,
                "{name}: {filter:?}"
            );
        }

        let full = store
            .list_messages(&by(|f| f.code = Some("4.4.316".into())))
            .await
            .unwrap();
        let code = full[0].recipients[0]
            .last_error
            .as_ref()
            .unwrap()
            .diagnosis
            .code();
        assert_eq!(code.to_string(), "4.4.316", "{name}");
    }
}

#[tokio::test]
async fn a_listing_goes_on_page_by_page_after_its_cursor() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        // Four messages, two of them received at the same time, the second
        // of which goes to u2 as well.
        let mut ids = Vec::new();
        for (n, at) in [0, 1, 1, 2].into_iter().enumerate() {
            let mut m = onprem_message(t0() + minutes(at), &format!("u{n}@acme.test"));
            if n == 2 {
                m.recipients.push(recipient("u1@acme.test", Some("onprem")));
            }
            ids.push((m.received_at, m.id));
            store.accept_message(m).await.unwrap();
        }
        // Newest first; of one time, the greater id first.
        ids.sort();
        ids.reverse();
        let newest_first: Vec<_> = ids.into_iter().map(|(_, id)| id).collect();
        let to_u1: Vec<_> = newest_first[1..3].to_vec();
        let cases = [
            (MessageFilter::default(), newest_first.clone()),
            (
                MessageFilter {
                    sender: Some("ALICE@acme.test".into()),
                    ..Default::default()
                },
                newest_first.clone(),
            ),
            (
                MessageFilter {
                    recipient: Some("u1@acme.test".into()),
                    ..Default::default()
                },
                to_u1,
            ),
        ];
        for (filter, expected) in cases {
            let mut seen = Vec::new();
            let mut page = MessageFilter {
                limit: 1,
                ..filter.clone()
            };
            loop {
                let found = store.list_messages(&page).await.unwrap();
                let Some(last) = found.last() else { break };
                assert_eq!(found.len(), 1, "{name}: {filter:?}");
                page.after = Some(MessageCursor::of(last));
                seen.push(last.id);
                assert!(seen.len() <= 4, "{name}: {filter:?}");
            }
            assert_eq!(seen, expected, "{name}: {filter:?}");
        }
    }
}

#[tokio::test]
async fn the_code_filter_uses_the_servers_own_enhanced_code() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let m = onprem_message(t0(), "bob@acme.test");
        store.accept_message(m.clone()).await.unwrap();
        store.claim("onprem", t0(), "a", LEASE, 10).await.unwrap();
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
        store.record(vec![update], vec![]).await.unwrap();
        let filter = MessageFilter {
            code: Some("4.2.2".into()),
            ..Default::default()
        };
        assert_eq!(listed(&*store, filter).await, vec![m.id], "{name}");
    }
}

#[tokio::test]
async fn expired_messages_are_those_past_expiry_with_recipients_still_waiting() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let [refused, delivered, queued] = seed(&*store).await;
        let s = &*store;
        assert!(
            s.expired_messages(t0() + EXPIRY - Duration::from_secs(1), 10)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
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
            "{name}: earliest expiry first; delivered mail never expires"
        );
        assert!(!expired.contains(&delivered), "{name}");
        assert_eq!(
            s.expired_messages(after, 1).await.unwrap().len(),
            1,
            "{name}"
        );

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
        assert_eq!(expired, vec![queued], "{name}");
    }
}

#[tokio::test]
async fn delay_notices_are_due_for_old_deferred_messages_once() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let [refused, _delivered, _queued] = seed(&*store).await;
        let s = &*store;
        assert!(
            s.delay_notices_due(t0() - Duration::from_secs(1), 10)
                .await
                .unwrap()
                .is_empty(),
            "{name}: too young"
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
            "{name}: only messages with a deferred recipient"
        );

        s.mark_delay_notice_sent(refused).await.unwrap();
        assert!(
            s.message(refused).await.unwrap().unwrap().delay_notice_sent,
            "{name}"
        );
        assert!(
            s.delay_notices_due(t0() + minutes(5), 10)
                .await
                .unwrap()
                .is_empty(),
            "{name}: one notice per message"
        );
    }
}

#[tokio::test]
async fn events_come_back_oldest_first_and_per_message() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let m = onprem_message(t0(), "bob@acme.test");
        let other = onprem_message(t0(), "carol@acme.test");
        let first = operator_event(m.id, t0(), "one");
        let second = operator_event(m.id, t0() + Duration::from_secs(1), "two");
        let third = operator_event(m.id, t0() + Duration::from_secs(2), "three");
        let same_time = operator_event(m.id, t0() + Duration::from_secs(2), "four");
        store
            .record(vec![], vec![third.clone(), first.clone()])
            .await
            .unwrap();
        store
            .record(vec![], vec![operator_event(other.id, t0(), "elsewhere")])
            .await
            .unwrap();
        store
            .record(vec![], vec![second.clone(), same_time.clone()])
            .await
            .unwrap();
        assert_eq!(
            store.events(m.id).await.unwrap(),
            vec![first, second, third, same_time],
            "{name}"
        );
        assert_eq!(store.events(other.id).await.unwrap().len(), 1, "{name}");
    }
}

#[tokio::test]
async fn a_message_queued_behind_a_held_next_hop_is_due_for_its_delay_notice() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
        let [deferred, _delivered, queued] = seed(&*store).await;
        let s = &*store;
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
            "{name}: untried and not held: not yet"
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
        assert_eq!(
            due(later).await,
            both,
            "{name}: waiting behind its hop's hold"
        );
        s.mark_delay_notice_sent(queued).await.unwrap();
        assert_eq!(
            due(later).await,
            vec![deferred],
            "{name}: one notice per message"
        );
    }
}

#[tokio::test]
async fn a_recipient_delivered_after_a_deferral_keeps_no_last_error() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.store());
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
        assert!(deferred.recipients[0].last_error.is_some(), "{name}");

        store
            .claim("onprem", t0() + minutes(1), "a", LEASE, 10)
            .await
            .unwrap();
        store
            .record(vec![delivery(refused.id, 0, t0() + minutes(1))], vec![])
            .await
            .unwrap();
        let delivered = store.message(refused.id).await.unwrap().unwrap();
        assert_eq!(
            delivered.recipients[0].state,
            RecipientState::Delivered,
            "{name}"
        );
        assert_eq!(delivered.recipients[0].last_error, None, "{name}");
        let by_code = MessageFilter {
            code: Some("4.4.316".into()),
            ..Default::default()
        };
        assert!(listed(&*store, by_code).await.is_empty(), "{name}");
    }
}
