//! Queue operations in the store: pages of what a selection picks, a
//! message never split between pages, and actions on chosen recipients
//! with their operator events, in-flight recipients left alone.

use crate::common::*;
use mailflow_core::{EventKind, MessageId, RecipientState};
use mailflow_store::{
    ConnectorChoice, InsightStore, OperatorStore, QueueAction, QueueSelection, QueueStore,
};

fn onprem() -> QueueSelection {
    QueueSelection {
        org: "acme".into(),
        connector: Some(ConnectorChoice::Named("onprem".into())),
        ..Default::default()
    }
}

/// Five messages to onprem (two recipients each) and one by MX.
async fn queue(t: &TestStore) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for n in 0..5 {
        let m = message(
            t0() + minutes(n),
            "alice@acme.test",
            vec![
                recipient(&format!("bob{n}@acme.test"), Some("onprem")),
                recipient(&format!("carol{n}@acme.test"), Some("onprem")),
            ],
        );
        ids.push(m.id);
        t.store.accept_message(m).await.unwrap();
    }
    let mx = message(
        t0(),
        "alice@acme.test",
        vec![recipient("x@else.test", None)],
    );
    t.store.accept_message(mx).await.unwrap();
    ids
}

#[tokio::test]
async fn a_selection_is_walked_in_pages_of_whole_messages() {
    let t = open_store().await;
    let ids = queue(&t).await;
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = t.store.select_pending(&onprem(), after, 2).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        pages += 1;
        for message in &page {
            assert_eq!(message.recipients.len(), 2, "a message comes whole");
            seen.push(message.id);
        }
        assert!(pages < 10);
    }
    assert_eq!(seen, ids, "each message once, in arrival order");

    let one = QueueSelection {
        recipient: Some("CAROL3@acme.test".into()),
        ..onprem()
    };
    let page = t.store.select_pending(&one, None, 10).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].recipients[0].address, "carol3@acme.test");
    let by_mx = QueueSelection {
        connector: Some(ConnectorChoice::Mx),
        ..onprem()
    };
    assert_eq!(
        t.store
            .select_pending(&by_mx, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let old = QueueSelection {
        received_before: Some(t0() + minutes(2)),
        ..onprem()
    };
    assert_eq!(
        t.store.select_pending(&old, None, 10).await.unwrap().len(),
        2
    );
}

#[tokio::test]
async fn actions_change_the_chosen_recipients_with_an_event_each_and_delete_removes_messages() {
    let t = open_store().await;
    let ids = queue(&t).await;
    // bob0 goes in flight: no action touches it.
    let claimed = t
        .store
        .claim("onprem", t0() + minutes(10), "node-a", LEASE, 1)
        .await
        .unwrap();
    assert_eq!(claimed[0].id, ids[0]);
    let chosen = [(ids[0], 0), (ids[0], 1), (ids[1], 0)];
    let now = t0() + minutes(11);
    let suspended = t
        .store
        .act_on_recipients(QueueAction::Suspend, &chosen, now, "api:ops")
        .await
        .unwrap();
    let store = &t.store;
    let states = |id: MessageId| async move {
        let m = store.message(id).await.unwrap().unwrap();
        m.recipients.iter().map(|r| r.state).collect::<Vec<_>>()
    };
    // The claim took the first message whole.
    assert_eq!(suspended, 1);
    use RecipientState::{InFlight, Queued, Suspended};
    assert_eq!(states(ids[0]).await, [InFlight, InFlight]);
    assert_eq!(states(ids[1]).await, [Suspended, Queued]);
    let events = t.store.events(ids[1]).await.unwrap();
    let operator: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Operator { action, actor } => Some((
                e.recipient.clone().unwrap(),
                action.as_str(),
                actor.as_str(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        operator,
        [("bob1@acme.test".to_string(), "suspend", "api:ops")]
    );

    let deleted = t
        .store
        .act_on_recipients(QueueAction::Delete, &[(ids[1], 0), (ids[1], 1)], now, "ops")
        .await
        .unwrap();
    assert_eq!(deleted, 2);
    assert_eq!(t.store.message(ids[1]).await.unwrap(), None);
    let partly = t
        .store
        .act_on_recipients(QueueAction::Delete, &[(ids[2], 1)], now, "ops")
        .await
        .unwrap();
    assert_eq!(partly, 1);
    let left = t.store.message(ids[2]).await.unwrap().unwrap();
    assert_eq!(left.recipients.len(), 1);
    assert_eq!(left.recipients[0].address, "bob2@acme.test");
}

#[tokio::test]
async fn pages_keep_arrival_order_across_states() {
    let t = open_store().await;
    let ids = queue(&t).await;
    // Messages 1 and 3 suspended, the others queued: states interleave.
    let chosen = [(ids[1], 0), (ids[1], 1), (ids[3], 0), (ids[3], 1)];
    let suspended = t
        .store
        .act_on_recipients(QueueAction::Suspend, &chosen, t0(), "ops")
        .await
        .unwrap();
    assert_eq!(suspended, 4);
    for selection in [
        onprem(),
        QueueSelection {
            connector: None,
            ..onprem()
        },
    ] {
        let mut seen = Vec::new();
        let mut after = None;
        for _ in 0..10 {
            let page = t.store.select_pending(&selection, after, 2).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            seen.extend(page.iter().map(|m| m.id));
        }
        assert_eq!(&seen[..5], &ids[..], "{selection:?}");
    }
}
