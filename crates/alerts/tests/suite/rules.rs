//! Alerts open exactly when a rule is crossed, merge, resolve when the
//! backlog drains, can be acknowledged, and the running evaluator opens
//! them within 5 seconds of the clock passing the threshold.

use crate::common::*;
use mailflow_alerts::{AlertChange, EVALUATE_EVERY, evaluate, run_observed};
use mailflow_core::Clock;
use mailflow_store::{AlertRule, AlertStateFilter, AlertStore, SettingsStore};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

const NANO: Duration = Duration::from_nanos(1);

async fn open_alerts(h: &Harness) -> Vec<mailflow_store::Alert> {
    h.store
        .list_alerts(ORG, AlertStateFilter::Open)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_alert_opens_at_the_nth_recipient_over_the_age_and_not_one_before() {
    let h = harness(settings()).await;
    queue(&h, FAILING, 2, t0()).await;
    h.clock.set(t0() + HOUR + NANO);
    assert_eq!(
        evaluate(&h.ctx).await.unwrap(),
        vec![],
        "two recipients are one short of three"
    );

    queue(&h, FAILING, 1, t0()).await;
    let changes = evaluate(&h.ctx).await.unwrap();
    let [AlertChange::Opened(alert)] = changes.as_slice() else {
        panic!("expected one opened alert, got {changes:?}")
    };
    assert_eq!(alert.connector.as_deref(), Some(FAILING));
    assert_eq!(alert.code, "4.4.316");
    assert_eq!(alert.rule, AlertRule::QueuedCount);
    assert_eq!((alert.values.queued, alert.values.queued_over_age), (3, 3));
    assert_eq!(
        alert.values.last_error.as_ref().unwrap().diagnosis,
        refused()
    );
}

#[tokio::test]
async fn an_alert_opens_only_once_the_age_is_passed() {
    let h = harness(settings()).await;
    queue(&h, FAILING, 3, t0()).await;
    h.clock.set(t0() + HOUR);
    assert_eq!(
        evaluate(&h.ctx).await.unwrap(),
        vec![],
        "exactly an hour is not longer than an hour"
    );
    h.clock.set(t0() + HOUR + NANO);
    assert!(matches!(
        evaluate(&h.ctx).await.unwrap().as_slice(),
        [AlertChange::Opened(_)]
    ));
}

#[tokio::test]
async fn the_oldest_message_rule_opens_an_alert_for_a_single_message() {
    let h = harness(settings()).await;
    queue(&h, FAILING, 1, t0()).await;
    h.clock.set(t0() + 4 * HOUR);
    assert_eq!(evaluate(&h.ctx).await.unwrap(), vec![]);
    h.clock.set(t0() + 4 * HOUR + NANO);
    let changes = evaluate(&h.ctx).await.unwrap();
    let [AlertChange::Opened(alert)] = changes.as_slice() else {
        panic!("{changes:?}")
    };
    assert_eq!(alert.rule, AlertRule::OldestAge);
}

#[tokio::test]
async fn later_evaluations_merge_into_the_open_alert() {
    let h = harness(settings()).await;
    queue(&h, FAILING, 3, t0()).await;
    h.clock.set(t0() + 2 * HOUR);
    let opened = evaluate(&h.ctx).await.unwrap()[0].alert().clone();

    queue(&h, FAILING, 2, t0() + HOUR / 2).await;
    h.clock.advance(EVALUATE_EVERY);
    let changes = evaluate(&h.ctx).await.unwrap();
    let [AlertChange::Updated(merged)] = changes.as_slice() else {
        panic!("{changes:?}")
    };
    assert_eq!(merged.id, opened.id);
    assert_eq!(merged.opened_at, opened.opened_at);
    assert_eq!(merged.updated_at, t0() + 2 * HOUR + EVALUATE_EVERY);
    assert_eq!(
        (merged.values.queued, merged.values.queued_over_age),
        (5, 5)
    );
    assert_eq!(
        open_alerts(&h).await.len(),
        1,
        "one open alert per connector and code"
    );
}

#[tokio::test]
async fn the_alert_resolves_itself_when_the_queue_drains() {
    let h = harness(settings()).await;
    let ids = queue(&h, FAILING, 3, t0()).await;
    h.clock.set(t0() + 2 * HOUR);
    let opened = evaluate(&h.ctx).await.unwrap()[0].alert().clone();

    h.clock.advance(EVALUATE_EVERY);
    deliver(&h, &ids).await;
    let changes = evaluate(&h.ctx).await.unwrap();
    let [AlertChange::Resolved(resolved)] = changes.as_slice() else {
        panic!("{changes:?}")
    };
    assert_eq!(resolved.id, opened.id);
    assert_eq!(resolved.resolved_at, Some(h.clock.now()));
    assert!(open_alerts(&h).await.is_empty());
    let all = h
        .store
        .list_alerts(ORG, AlertStateFilter::Resolved)
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        evaluate(&h.ctx).await.unwrap(),
        vec![],
        "a resolved alert stays resolved"
    );
}

#[tokio::test]
async fn an_alert_can_be_acknowledged_and_stays_open() {
    let h = harness(settings()).await;
    queue(&h, FAILING, 3, t0()).await;
    h.clock.set(t0() + 2 * HOUR);
    let id = evaluate(&h.ctx).await.unwrap()[0].alert().id;

    let acked =
        mailflow_alerts::acknowledge(h.store.as_ref(), id, "ops@contoso.test", h.clock.now())
            .await
            .unwrap()
            .expect("the alert exists");
    assert_eq!(acked.acknowledged_by.as_deref(), Some("ops@contoso.test"));
    assert_eq!(acked.acknowledged_at, Some(t0() + 2 * HOUR));
    assert!(acked.is_open());
    let missing =
        mailflow_alerts::acknowledge(h.store.as_ref(), id + 100, "ops", h.clock.now()).await;
    assert_eq!(missing.unwrap(), None);
}

#[tokio::test]
async fn the_running_evaluator_opens_the_alert_within_five_seconds_of_the_crossing() {
    let h = harness(settings()).await;
    queue(&h, FAILING, 3, t0()).await;
    let (evaluated, seen) = watch::channel(OffsetDateTime::UNIX_EPOCH);
    let stop = CancellationToken::new();
    let task = tokio::spawn(run_observed(h.ctx.clone(), stop.clone(), evaluated));
    let until = |at: OffsetDateTime| {
        let mut seen = seen.clone();
        async move {
            tokio::time::timeout(Duration::from_secs(5), seen.wait_for(|t| *t >= at))
                .await
                .expect("evaluated in time")
                .unwrap();
        }
    };
    until(t0()).await;

    h.clock.set(t0() + HOUR); // the rule is crossed just after this
    until(t0() + HOUR).await;
    assert!(open_alerts(&h).await.is_empty());

    let crossing = t0() + HOUR + NANO;
    h.clock.set(crossing + Duration::from_secs(1));
    tokio::task::yield_now().await;
    h.clock.set(t0() + HOUR + EVALUATE_EVERY);
    until(t0() + HOUR + EVALUATE_EVERY).await;
    let open = open_alerts(&h).await;
    assert_eq!(open.len(), 1);
    assert!(
        open[0].opened_at - crossing <= Duration::from_secs(5),
        "opened at {}",
        open[0].opened_at
    );

    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn each_organisations_rules_are_evaluated_on_its_own_mail() {
    const GLOBEX: &str = "globex";
    let h = harness(settings()).await;
    h.store.create_org(GLOBEX, &org()).await.unwrap();
    h.store
        .save_alert_settings(GLOBEX, &settings())
        .await
        .unwrap();
    queue_in(&h, GLOBEX, FAILING, 3, t0()).await;
    let (evaluated, seen) = watch::channel(OffsetDateTime::UNIX_EPOCH);
    let stop = CancellationToken::new();
    let task = tokio::spawn(run_observed(h.ctx.clone(), stop.clone(), evaluated));
    h.clock.set(t0() + 2 * HOUR);
    tokio::time::timeout(
        Duration::from_secs(5),
        seen.clone().wait_for(|t| *t >= t0() + 2 * HOUR),
    )
    .await
    .expect("evaluated in time")
    .unwrap();

    let theirs = h
        .store
        .list_alerts(GLOBEX, AlertStateFilter::Open)
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1, "{theirs:?}");
    assert_eq!(theirs[0].connector.as_deref(), Some(FAILING));
    assert!(open_alerts(&h).await.is_empty(), "the node's own has none");

    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
}
