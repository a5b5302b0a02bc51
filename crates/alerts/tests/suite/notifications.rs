//! Notifications: the signed webhook reaches a real HTTP receiver on
//! loopback and is retried after a 500; the daily cap stops them; the alert
//! e-mail is queued to the administrators through any connector but the
//! failing one, and not at all when that is the only way.

use crate::common::*;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use mailflow_alerts::{SIGNATURE_HEADER, evaluate, retry_delay, send_due, sign};
use mailflow_core::Clock;
use mailflow_store::{
    AlertSettings, AlertStore, BodyStore, MessageFilter, NotificationChannel, OperatorStore,
};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

const SECRET: &str = "webhook-secret-for-tests";

/// A webhook receiver on 127.0.0.1 that answers with `statuses` in turn
/// (the last one repeats) and keeps every request.
struct Receiver {
    url: String,
    requests: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    stop: CancellationToken,
}

#[derive(Clone)]
struct ReceiverState {
    statuses: Arc<Vec<StatusCode>>,
    requests: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

async fn hook(State(state): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut requests = state.requests.lock().unwrap();
    requests.push((headers, body));
    let index = (requests.len() - 1).min(state.statuses.len() - 1);
    state.statuses[index]
}

async fn receiver(statuses: Vec<StatusCode>) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let state = ReceiverState {
        statuses: Arc::new(statuses),
        requests: requests.clone(),
    };
    let app = Router::new().route("/hook", post(hook)).with_state(state);
    let stop = CancellationToken::new();
    let stopped = stop.clone().cancelled_owned();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(stopped)
            .await
            .unwrap()
    });
    Receiver {
        url,
        requests,
        stop,
    }
}

impl Receiver {
    fn requests(&self) -> Vec<(HeaderMap, Bytes)> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn with_webhook(url: &str) -> AlertSettings {
    AlertSettings {
        webhook_url: Some(url.to_string()),
        webhook_secret: Some(SECRET.to_string()),
        ..settings()
    }
}

#[tokio::test]
async fn the_webhook_is_signed_and_retried_after_a_500() {
    let hook = receiver(vec![StatusCode::INTERNAL_SERVER_ERROR, StatusCode::OK]).await;
    let h = harness(with_webhook(&hook.url)).await;
    queue(&h, FAILING, 3, t0()).await;
    h.clock.set(t0() + 2 * HOUR);
    let alert = evaluate(&h.ctx).await.unwrap()[0].alert().clone();

    let first = send_due(&h.ctx).await.unwrap();
    assert_eq!((first.delivered, first.retried), (0, 1));
    let requests = hook.requests();
    assert_eq!(requests.len(), 1);
    let (headers, body) = &requests[0];
    let signature = headers
        .get(SIGNATURE_HEADER)
        .expect("signed")
        .to_str()
        .unwrap();
    assert_eq!(
        signature,
        sign(SECRET, body),
        "HMAC-SHA256 of the body with the secret"
    );
    assert_eq!(headers.get("content-type").unwrap(), "application/json");
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(json["alert_id"], alert.id);
    assert_eq!(json["status"], "opened");
    assert_eq!(json["connector"], FAILING);
    assert_eq!(json["code"], "4.4.316");
    assert_eq!(json["category"], "connection_refused");
    assert_eq!(json["detail"], "connection refused by 127.0.0.1:9");
    assert_eq!(
        (json["queued"].as_u64(), json["queued_over_age"].as_u64()),
        (Some(3), Some(3))
    );

    assert_eq!(
        send_due(&h.ctx).await.unwrap().delivered,
        0,
        "not due again before its back-off"
    );
    assert_eq!(hook.requests().len(), 1);

    h.clock.advance(retry_delay(1));
    assert_eq!(send_due(&h.ctx).await.unwrap().delivered, 1);
    let requests = hook.requests();
    assert_eq!(requests.len(), 2, "retried once after the 500");
    assert_eq!(
        requests[1].1, requests[0].1,
        "the retry sends the same body"
    );
    let outbox = h.store.alert_notifications(alert.id).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].attempts, 2);
    assert_eq!(outbox[0].delivered_at, Some(h.clock.now()));
    assert_eq!(
        outbox[0].last_failure.as_deref(),
        Some("the webhook answered HTTP 500")
    );
}

#[tokio::test]
async fn the_resolution_is_notified_too() {
    let hook = receiver(vec![StatusCode::NO_CONTENT]).await;
    let h = harness(with_webhook(&hook.url)).await;
    let ids = queue(&h, FAILING, 3, t0()).await;
    h.clock.set(t0() + 2 * HOUR);
    evaluate(&h.ctx).await.unwrap();
    deliver(&h, &ids).await;
    evaluate(&h.ctx).await.unwrap();
    assert_eq!(send_due(&h.ctx).await.unwrap().delivered, 2);
    let statuses: Vec<String> = hook
        .requests()
        .iter()
        .map(|(_, body)| {
            serde_json::from_slice::<serde_json::Value>(body).unwrap()["status"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(statuses, ["opened", "resolved"]);
}

#[tokio::test]
async fn the_daily_cap_stops_notifications_until_the_next_day() {
    let hook = receiver(vec![StatusCode::OK]).await;
    let h = harness(AlertSettings {
        daily_cap: 1,
        ..with_webhook(&hook.url)
    })
    .await;
    queue(&h, FAILING, 3, t0()).await;
    queue(&h, PARTNER, 3, t0()).await;
    h.clock.set(t0() + 2 * HOUR);
    let changes = evaluate(&h.ctx).await.unwrap();
    assert_eq!(changes.len(), 2, "two connectors, two alerts");
    assert_eq!(send_due(&h.ctx).await.unwrap().delivered, 1);
    assert_eq!(
        hook.requests().len(),
        1,
        "the cap of 1 lets one notification through"
    );
    let notified: usize = notifications_queued(&h, &changes).await;
    assert_eq!(notified, 1);

    h.clock.set(t0() + 24 * HOUR);
    evaluate(&h.ctx).await.unwrap();
    send_due(&h.ctx).await.unwrap();
    assert_eq!(
        hook.requests().len(),
        2,
        "a new day: the capped alert is told as updated"
    );
}

async fn notifications_queued(h: &Harness, changes: &[mailflow_alerts::AlertChange]) -> usize {
    let mut count = 0;
    for change in changes {
        count += h
            .store
            .alert_notifications(change.alert().id)
            .await
            .unwrap()
            .len();
    }
    count
}

fn with_admins(admins: &[&str]) -> AlertSettings {
    AlertSettings {
        admin_emails: admins.iter().map(|a| a.to_string()).collect(),
        ..settings()
    }
}

#[tokio::test]
async fn the_alert_email_goes_around_the_failing_connector() {
    let mut h = harness(with_admins(&["admin@contoso.test", "ops@fabrikam.test"])).await;
    // The expiration in force when the e-mail is queued (a reloaded
    // `queue.expiration`), not the one the loop started with.
    h.ctx.expiration = Arc::new(|| 2 * HOUR);
    queue(&h, FAILING, 3, t0()).await;
    h.clock.set(t0() + 2 * HOUR);
    let alert = evaluate(&h.ctx).await.unwrap()[0].alert().clone();
    assert_eq!(send_due(&h.ctx).await.unwrap().delivered, 1);
    assert_eq!(h.wakes(), 1, "the scheduler is woken for the new message");

    let filter = MessageFilter {
        sender: Some(String::new()),
        ..Default::default()
    };
    let sent: Vec<_> = h
        .store
        .list_messages(&filter)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.sender.is_empty())
        .collect();
    assert_eq!(sent.len(), 1, "one alert e-mail");
    let email = &sent[0];
    assert_eq!(email.expires_at, email.received_at + 2 * HOUR);
    let recipients: Vec<(&str, Option<&str>)> = email
        .recipients
        .iter()
        .map(|r| (r.address.as_str(), r.route.connector.as_deref()))
        .collect();
    assert_eq!(
        recipients,
        [("ops@fabrikam.test", Some(PARTNER))],
        "never through {FAILING}"
    );

    let body = h.store.body(email.id).await.unwrap().unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&body).unwrap();
    assert_eq!(
        parsed.from().unwrap().first().unwrap().address(),
        Some("mailflow@relay.acme.test")
    );
    let subject = parsed.subject().unwrap();
    assert!(
        subject.contains(FAILING) && subject.contains("4.4.316"),
        "{subject}"
    );
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains(&format!("alert {}", alert.id)), "{text}");
    let explained = mailflow_alerts::explain(&alert, mailflow_alerts::Language::English);
    assert!(
        text.contains(&format!("Mail for connector {FAILING} is piling up")),
        "the summary says what is wrong where: {text}"
    );
    for line in explained.causes.iter().chain(&explained.actions) {
        assert!(text.contains(line.as_str()), "{line} in {text}");
    }
    assert!(text.contains("Likely causes:") && text.contains("What to do:"));
}

#[tokio::test]
async fn no_email_is_sent_when_the_only_route_is_the_failing_connector() {
    let h = harness(with_admins(&["admin@contoso.test"])).await;
    queue(&h, FAILING, 3, t0()).await;
    h.clock.set(t0() + 2 * HOUR);
    let alert = evaluate(&h.ctx).await.unwrap()[0].alert().clone();
    assert_eq!(send_due(&h.ctx).await.unwrap().given_up, 1);
    assert_eq!(h.wakes(), 0);

    let outbox = h.store.alert_notifications(alert.id).await.unwrap();
    assert_eq!(outbox[0].channel, NotificationChannel::Email);
    assert!(outbox[0].abandoned_at.is_some());
    let why = outbox[0].last_failure.as_deref().unwrap();
    assert!(
        why.contains("admin@contoso.test") && why.contains(FAILING),
        "{why}"
    );
    let all = h
        .store
        .list_messages(&MessageFilter::default())
        .await
        .unwrap();
    assert!(
        all.iter().all(|m| !m.sender.is_empty()),
        "nothing queued from <>"
    );
}
