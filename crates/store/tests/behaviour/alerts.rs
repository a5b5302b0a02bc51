//! Alerts: one open alert per connector and code, merged by later
//! observations even when several observe at once; resolved per connector
//! (queue alerts) or by id; acknowledged; listed by state. The notification
//! outbox under the daily cap, retried and given up; the invalid-recipient
//! counts per client.

use crate::backends::every_backend;
use mailflow_store::{
    AlertObservation, AlertRule, AlertStateFilter, AlertStore, AlertValues, Enqueued,
    NewNotification, NotificationChannel, OutboxRetry,
};
use std::sync::Arc;
use time::OffsetDateTime;
use time::macros::datetime;

fn t0() -> OffsetDateTime {
    datetime!(2030-01-01 08:00:00.123456789 UTC)
}

fn minutes(n: i64) -> time::Duration {
    time::Duration::minutes(n)
}

fn seen(connector: Option<&str>, code: &str, queued: u64, at: OffsetDateTime) -> AlertObservation {
    AlertObservation {
        org: "acme".into(),
        connector: connector.map(str::to_string),
        code: code.into(),
        rule: AlertRule::QueuedCount,
        values: AlertValues {
            queued,
            ..AlertValues::default()
        },
        at,
    }
}

#[tokio::test]
async fn one_alert_is_open_per_connector_and_code_and_later_observations_merge_into_it() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.alerts());
        let first = store
            .observe_alert(seen(Some("onprem"), "4.4.316", 10, t0()))
            .await
            .unwrap();
        assert!(first.opened, "{name}");
        let again = store
            .observe_alert(seen(Some("onprem"), "4.4.316", 25, t0() + minutes(1)))
            .await
            .unwrap();
        assert!(!again.opened, "{name}");
        assert_eq!(again.alert.id, first.alert.id, "{name}");
        assert_eq!(again.alert.values.queued, 25, "{name}");
        assert_eq!(again.alert.opened_at, t0(), "{name}");
        assert_eq!(again.alert.updated_at, t0() + minutes(1), "{name}");
        let by_mx = store
            .observe_alert(seen(None, "4.4.316", 3, t0()))
            .await
            .unwrap();
        let other_code = store
            .observe_alert(seen(Some("onprem"), "4.4.315", 3, t0()))
            .await
            .unwrap();
        assert!(by_mx.opened && other_code.opened, "{name}");
        assert_eq!(
            store
                .list_alerts("acme", AlertStateFilter::Open)
                .await
                .unwrap()
                .len(),
            3,
            "{name}"
        );
        assert_eq!(
            store.alert(first.alert.id + 1000).await.unwrap(),
            None,
            "{name}"
        );
    }
}

#[tokio::test]
async fn observations_made_at_once_open_one_alert() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.alerts());
        let observe = |queued: u64| {
            let store: Arc<dyn AlertStore> = store.clone();
            tokio::spawn(async move {
                store
                    .observe_alert(seen(Some("onprem"), "4.4.316", queued, t0()))
                    .await
                    .unwrap()
            })
        };
        let tasks: Vec<_> = (0..8).map(observe).collect();
        let mut opened = 0;
        for task in tasks {
            opened += usize::from(task.await.unwrap().opened);
        }
        assert_eq!(opened, 1, "{name}: exactly one observation opens it");
        assert_eq!(
            store
                .list_alerts("acme", AlertStateFilter::All)
                .await
                .unwrap()
                .len(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn queue_alerts_resolve_per_connector_the_quota_alert_by_id() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.alerts());
        let onprem = store
            .observe_alert(seen(Some("onprem"), "4.4.316", 10, t0()))
            .await
            .unwrap()
            .alert;
        let partner = store
            .observe_alert(seen(Some("partner"), "4.7.320", 10, t0()))
            .await
            .unwrap()
            .alert;
        let mut quota = seen(None, "5.1.10", 0, t0());
        quota.rule = AlertRule::InvalidRecipients;
        let quota = store.observe_alert(quota).await.unwrap().alert;

        let resolved = store
            .resolve_alerts("acme", Some("onprem"), t0() + minutes(5))
            .await
            .unwrap();
        assert_eq!(resolved.len(), 1, "{name}");
        assert_eq!(resolved[0].id, onprem.id, "{name}");
        assert_eq!(resolved[0].resolved_at, Some(t0() + minutes(5)), "{name}");
        assert!(
            store
                .resolve_alerts("acme", None, t0())
                .await
                .unwrap()
                .is_empty(),
            "{name}: the quota's alert is not a queue alert"
        );
        let ended = store
            .resolve_alert(quota.id, t0() + minutes(6))
            .await
            .unwrap();
        assert_eq!(
            ended.unwrap().resolved_at,
            Some(t0() + minutes(6)),
            "{name}"
        );

        let acked = store
            .acknowledge_alert(partner.id, "ops@acme.test", t0() + minutes(7))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            acked.acknowledged_by.as_deref(),
            Some("ops@acme.test"),
            "{name}"
        );
        assert_eq!(acked.acknowledged_at, Some(t0() + minutes(7)), "{name}");
        assert_eq!(
            store
                .acknowledge_alert(partner.id + 1000, "x", t0())
                .await
                .unwrap(),
            None,
            "{name}"
        );

        let ids = |filter| {
            let store = store.clone();
            async move {
                let alerts = store.list_alerts("acme", filter).await.unwrap();
                alerts.iter().map(|a| a.id).collect::<Vec<_>>()
            }
        };
        assert_eq!(ids(AlertStateFilter::Open).await, [partner.id], "{name}");
        assert_eq!(
            ids(AlertStateFilter::Resolved).await,
            [quota.id, onprem.id],
            "{name}: newest first"
        );
        assert_eq!(ids(AlertStateFilter::All).await.len(), 3, "{name}");
        let reopened = store
            .observe_alert(seen(Some("onprem"), "4.4.316", 1, t0() + minutes(8)))
            .await
            .unwrap();
        assert!(reopened.opened, "{name}: a resolved alert is not reopened");
    }
}

fn notification(alert_id: i64, payload: &str) -> NewNotification {
    NewNotification {
        alert_id,
        channel: NotificationChannel::Webhook,
        payload: payload.into(),
    }
}

#[tokio::test]
async fn notifications_queue_under_the_daily_cap_and_are_retried_delivered_or_given_up() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.alerts());
        let alert = store
            .observe_alert(seen(Some("onprem"), "4.4.316", 10, t0()))
            .await
            .unwrap()
            .alert;
        let three = ["a", "b", "c"].map(|p| notification(alert.id, p)).to_vec();
        let enqueued = store
            .enqueue_notifications("acme", 4, three, t0())
            .await
            .unwrap();
        assert_eq!(
            enqueued,
            Enqueued {
                queued: 3,
                capped: 0
            },
            "{name}"
        );
        let two = ["d", "e"].map(|p| notification(alert.id, p)).to_vec();
        let enqueued = store
            .enqueue_notifications("acme", 4, two, t0() + minutes(1))
            .await
            .unwrap();
        assert_eq!(
            enqueued,
            Enqueued {
                queued: 1,
                capped: 1
            },
            "{name}: the cap is per day"
        );
        let next_day = t0() + time::Duration::days(1);
        let enqueued = store
            .enqueue_notifications("acme", 4, vec![notification(alert.id, "f")], next_day)
            .await
            .unwrap();
        assert_eq!(enqueued.queued, 1, "{name}: a new day, a new count");
        let notified = store.alert(alert.id).await.unwrap().unwrap().notified_at;
        assert_eq!(notified, Some(next_day), "{name}");

        let due = store.due_notifications("acme", t0(), 10).await.unwrap();
        let payloads: Vec<&str> = due.iter().map(|n| n.payload.as_str()).collect();
        assert_eq!(payloads, ["a", "b", "c"], "{name}: due at t0, oldest first");
        assert_eq!(
            store.next_notification_at("acme").await.unwrap(),
            Some(t0()),
            "{name}"
        );
        store.notification_delivered(due[0].id, t0()).await.unwrap();
        store
            .notification_failed(
                due[1].id,
                "503 from the webhook",
                OutboxRetry::At(t0() + minutes(30)),
                t0(),
            )
            .await
            .unwrap();
        store
            .notification_failed(due[2].id, "410 gone", OutboxRetry::GiveUp, t0())
            .await
            .unwrap();
        let due: Vec<String> = store
            .due_notifications("acme", t0() + minutes(30), 10)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.payload)
            .collect();
        assert_eq!(
            due,
            ["d", "b"],
            "{name}: the retried one when its time comes"
        );

        let all = store.alert_notifications(alert.id).await.unwrap();
        assert_eq!(all.len(), 5, "{name}");
        assert_eq!(
            (all[0].attempts, all[0].delivered_at),
            (1, Some(t0())),
            "{name}"
        );
        assert_eq!(
            all[1].last_failure.as_deref(),
            Some("503 from the webhook"),
            "{name}"
        );
        assert_eq!(
            (all[2].abandoned_at, all[2].next_attempt_at),
            (Some(t0()), None),
            "{name}"
        );
        assert!(
            store
                .due_notifications("other", next_day, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn unknown_recipients_are_counted_per_client_most_first_and_pruned() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.alerts());
        for (client, at) in [
            ("192.0.2.7", t0()),
            ("192.0.2.7", t0() + minutes(1)),
            ("192.0.2.9", t0() + minutes(2)),
            ("192.0.2.9", t0() + minutes(3)),
            ("192.0.2.9", t0() + minutes(4)),
            ("198.51.100.1", t0() - minutes(90)),
        ] {
            store
                .record_invalid_recipient("acme", client, at)
                .await
                .unwrap();
        }
        store
            .record_invalid_recipient("other", "192.0.2.7", t0())
            .await
            .unwrap();
        let counts: Vec<(String, u64)> = store
            .invalid_recipients_since("acme", t0())
            .await
            .unwrap()
            .into_iter()
            .map(|source| (source.client, source.count))
            .collect();
        assert_eq!(
            counts,
            [("192.0.2.9".to_string(), 3), ("192.0.2.7".to_string(), 2)],
            "{name}"
        );
        assert_eq!(
            store.prune_invalid_recipients(t0()).await.unwrap(),
            1,
            "{name}"
        );
        let since_long_ago = store
            .invalid_recipients_since("acme", t0() - minutes(600))
            .await
            .unwrap();
        assert_eq!(since_long_ago.len(), 2, "{name}");
    }
}

#[tokio::test]
async fn alert_settings_round_trip() {
    for backend in every_backend().await {
        let (name, store) = (backend.name(), backend.alerts());
        assert_eq!(store.alert_settings("acme").await.unwrap(), None, "{name}");
        let settings = mailflow_store::AlertSettings::default();
        store.save_alert_settings("acme", &settings).await.unwrap();
        assert_eq!(
            store.alert_settings("acme").await.unwrap(),
            Some(settings),
            "{name}"
        );
    }
}
