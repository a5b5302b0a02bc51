//! The invalid-recipient quota's alert: open while more recipients were
//! refused as unknown in the last hour than the quota, naming the sources;
//! not resolved by the queue rules; resolved when the hour has rolled on.

use crate::common::*;
use mailflow_alerts::{AlertChange, UNKNOWN_RECIPIENT_CODE, evaluate, send_due};
use mailflow_core::Clock;
use mailflow_store::{
    AlertRule, AlertSettings, AlertStore, BodyStore, MessageFilter, OperatorStore,
};
use std::time::Duration;

fn with_quota() -> AlertSettings {
    AlertSettings {
        invalid_recipient_quota: Some(2),
        admin_emails: vec!["ops@fabrikam.test".into()],
        ..settings()
    }
}

async fn refuse(h: &Harness, client: &str, count: usize) {
    for _ in 0..count {
        h.store
            .record_invalid_recipient(ORG, client, h.clock.now())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn past_the_quota_an_alert_names_the_sources_and_resolves_when_the_hour_rolls_on() {
    let h = harness(with_quota()).await;
    refuse(&h, "192.0.2.7", 2).await;
    assert_eq!(
        evaluate(&h.ctx).await.unwrap(),
        vec![],
        "at the quota, not past it"
    );

    refuse(&h, "192.0.2.8", 1).await;
    let changes = evaluate(&h.ctx).await.unwrap();
    let [AlertChange::Opened(alert)] = changes.as_slice() else {
        panic!("{changes:?}")
    };
    assert_eq!(alert.rule, AlertRule::InvalidRecipients);
    assert_eq!(alert.code, UNKNOWN_RECIPIENT_CODE);
    assert_eq!(alert.connector, None);
    assert_eq!(alert.values.invalid_recipients, 3);
    assert_eq!(alert.values.sources, ["192.0.2.7", "192.0.2.8"]);

    h.clock.advance(Duration::from_secs(4));
    let changes = evaluate(&h.ctx).await.unwrap();
    assert!(
        matches!(changes.as_slice(), [AlertChange::Updated(_)]),
        "no MX queue does not resolve it: {changes:?}"
    );

    assert_eq!(send_due(&h.ctx).await.unwrap().delivered, 1);
    let filter = MessageFilter {
        recipient: Some("ops@fabrikam.test".into()),
        ..Default::default()
    };
    let sent = h.store.list_messages(&filter).await.unwrap();
    let body = String::from_utf8(h.store.body(sent[0].id).await.unwrap().unwrap()).unwrap();
    assert!(body.contains("unknown recipients"), "{body}");

    h.clock.advance(Duration::from_secs(3600));
    let changes = evaluate(&h.ctx).await.unwrap();
    let [AlertChange::Resolved(resolved)] = changes.as_slice() else {
        panic!("{changes:?}")
    };
    assert_eq!(resolved.id, alert.id);
}
