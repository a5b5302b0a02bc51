//! Queue operations over real HTTP against a running node: one message (or
//! one recipient of it) retried, suspended, resumed, bounced and deleted;
//! a filter counted first and then acted on in pages; the trace found by
//! the `Message-ID:` header, with where each recipient was routed and why.
//!
//! Mail is submitted over SMTP. contoso.test goes through `to-onprem`, a
//! scripted server that defers every recipient until told otherwise;
//! slow.test through `to-slow`, a server that never answers after its
//! greeting (its recipients stay in flight); senders at example.test get
//! their reports through `to-partner`, a server that takes everything.

use crate::common::{Api, settings};
use mailflow_core::{
    AcceptedDomain, ConnectorKind, DomainType, EventKind, MessageId, OrgSettings, RecipientState,
};
use mailflow_testkit::{FaultAction, FaultPoint, SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{TestNode, connector, eventually};
use serde_json::{Value, json};
use std::time::Duration;

const TOKEN: &str = "queue-ops-token-1234";
const WAIT: Duration = Duration::from_secs(10);

struct Peers {
    onprem: SmtpServer,
    partner: SmtpServer,
    slow: SmtpServer,
}

impl Peers {
    async fn start() -> Peers {
        Peers {
            onprem: SmtpServer::start(deferring()).await,
            partner: SmtpServer::start(SmtpBehavior::new()).await,
            slow: SmtpServer::start(
                SmtpBehavior::new().fault(FaultPoint::AfterGreeting, FaultAction::Hang),
            )
            .await,
        }
    }

    fn org(&self) -> OrgSettings {
        let accepted = |name: &str| AcceptedDomain {
            name: name.into(),
            kind: DomainType::InternalRelay,
        };
        OrgSettings {
            accepted_domains: vec![accepted("contoso.test"), accepted("slow.test")],
            connectors: vec![
                connector(
                    "to-onprem",
                    ConnectorKind::OnPremises,
                    &["contoso.test"],
                    &[self.onprem.addr()],
                ),
                connector(
                    "to-slow",
                    ConnectorKind::OnPremises,
                    &["slow.test"],
                    &[self.slow.addr()],
                ),
                connector(
                    "to-partner",
                    ConnectorKind::Partner,
                    &["example.test"],
                    &[self.partner.addr()],
                ),
            ],
            directory: Default::default(),
        }
    }
}

fn deferring() -> SmtpBehavior {
    SmtpBehavior::new().rcpt_reply("450 4.2.1 mailbox busy, try later")
}

async fn start(peers: &Peers) -> Api {
    Api::start(TestNode::start(peers.org(), settings()).await, TOKEN, true).await
}

/// Submits over SMTP; returns the queue id.
async fn submit(api: &Api, from: &str, to: &[&str], message_id: &str) -> String {
    let data = format!("Message-ID: <{message_id}>\r\nSubject: test\r\n\r\nhello\r\n");
    let (code, reply) = send(api.node.smtp, from, to, &data).await;
    assert_eq!(code, 250, "{reply}");
    queue_id(&reply)
}

async fn wait_states(api: &Api, id: &str, expected: &[RecipientState]) {
    eventually(&format!("{id} is {expected:?}"), || async {
        api.node.states(id).await == expected
    })
    .await;
}

async fn attempts(api: &Api, id: &str) -> Vec<u32> {
    let message = api.node.message(id).await;
    message.recipients.iter().map(|r| r.attempts).collect()
}

/// The operator events of a message, as `(recipient, action)`.
async fn operator_events(api: &Api, id: &str) -> Vec<(String, String)> {
    let events = api.node.store.events(id.parse().unwrap()).await.unwrap();
    events
        .into_iter()
        .filter_map(|event| match event.kind {
            EventKind::Operator { action, actor } => {
                assert_eq!(actor, "ops");
                Some((event.recipient.unwrap_or_default(), action))
            }
            _ => None,
        })
        .collect()
}

async fn audit_actions(api: &Api) -> Vec<(String, String)> {
    let (status, log) = api.get("/api/v1/audit").await;
    assert_eq!(status, 200, "{log}");
    let mut actions: Vec<(String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            assert_eq!(entry["actor"], "ops");
            let text = |field: &str| entry[field].as_str().unwrap().to_string();
            (text("action"), text("target"))
        })
        .collect();
    actions.reverse();
    actions
}

#[tokio::test(flavor = "multi_thread")]
async fn one_message_or_one_recipient_is_suspended_resumed_and_retried() {
    use RecipientState::{Deferred, Delivered, Suspended};
    let peers = Peers::start().await;
    let api = start(&peers).await;
    let (alice, carol) = ("alice@contoso.test", "carol@contoso.test");
    let id = submit(
        &api,
        "bob@example.test",
        &[alice, carol],
        "one@example.test",
    )
    .await;
    wait_states(&api, &id, &[Deferred, Deferred]).await;

    let path = |action: &str| format!("/api/v1/messages/{id}/{action}");
    let (status, done) = api
        .post_json(&path("suspend"), &json!({"recipient": carol}))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["action"].as_str(), done["recipients"].as_u64()),
        (Some("suspend"), Some(1))
    );
    assert!(done["audit_id"].is_u64(), "{done}");
    assert_eq!(api.node.states(&id).await, [Deferred, Suspended]);

    let (status, done) = api.post(&path("suspend")).await;
    assert_eq!(
        (status, done["recipients"].as_u64()),
        (200, Some(1)),
        "{done}"
    );
    assert_eq!(api.node.states(&id).await, [Suspended, Suspended]);

    let (status, done) = api
        .post(&format!("{}?recipient={alice}", path("resume")))
        .await;
    assert_eq!(
        (status, done["recipients"].as_u64()),
        (200, Some(1)),
        "{done}"
    );
    // Resumed, alice is due at once: tried again, and deferred again.
    eventually("alice is tried again", || async {
        attempts(&api, &id).await[0] == 2 && api.node.states(&id).await[0] == Deferred
    })
    .await;
    assert_eq!(api.node.states(&id).await[1], Suspended);

    // Her next attempt is minutes away on the node's clock: retry makes it now.
    peers.onprem.set_behavior(SmtpBehavior::new());
    let (status, done) = api.post(&path("retry")).await;
    assert_eq!(
        (status, done["recipients"].as_u64()),
        (200, Some(1)),
        "{done}"
    );
    wait_states(&api, &id, &[Delivered, Suspended]).await;

    let actions: Vec<(String, String)> = operator_events(&api, &id).await;
    let expected = [
        (carol, "suspend"),
        (alice, "suspend"),
        (alice, "resume"),
        (alice, "retry now"),
    ]
    .map(|(r, a)| (r.to_string(), a.to_string()));
    assert_eq!(actions, expected);
    let audit = audit_actions(&api).await;
    let expected = [
        ("message-suspend", format!("{id} {carol}")),
        ("message-suspend", id.clone()),
        ("message-resume", format!("{id} {alice}")),
        ("message-retry", id.clone()),
    ]
    .map(|(a, t)| (a.to_string(), t));
    assert_eq!(audit, expected);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bounce_reports_to_the_sender_and_a_delete_removes_the_message_with_no_report() {
    use RecipientState::{Deferred, Failed};
    let peers = Peers::start().await;
    let api = start(&peers).await;
    let bounced = submit(
        &api,
        "bob@example.test",
        &["alice@contoso.test"],
        "b@x.test",
    )
    .await;
    let deleted = submit(
        &api,
        "bob@example.test",
        &["alice@contoso.test"],
        "d@x.test",
    )
    .await;
    wait_states(&api, &bounced, &[Deferred]).await;
    wait_states(&api, &deleted, &[Deferred]).await;

    let (status, done) = api.delete(&format!("/api/v1/messages/{deleted}")).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["action"].as_str(), done["recipients"].as_u64()),
        (Some("delete"), Some(1))
    );
    let (status, _) = api.get(&format!("/api/v1/messages/{deleted}")).await;
    assert_eq!(status, 404);
    let deleted_id: MessageId = deleted.parse().unwrap();
    assert_eq!(api.node.store.message(deleted_id).await.unwrap(), None);

    let (status, done) = api
        .post(&format!("/api/v1/messages/{bounced}/bounce"))
        .await;
    assert_eq!(
        (status, done["recipients"].as_u64()),
        (200, Some(1)),
        "{done}"
    );
    assert_eq!(api.node.states(&bounced).await, [Failed]);
    let last_error = api.node.message(&bounced).await.recipients[0]
        .last_error
        .clone()
        .unwrap();
    assert_eq!(last_error.diagnosis.code().to_string(), "5.3.0");

    let reports = peers.partner.wait_for_messages(1, WAIT).await.unwrap();
    assert_eq!(reports[0].mail_from, "");
    assert_eq!(reports[0].accepted_recipients(), ["bob@example.test"]);
    let status_part = mailflow_testnode::delivery_status(&reports[0].data);
    assert!(status_part.contains("5.3.0"), "{status_part}");
    assert!(reports[0].data_text().contains("b@x.test"));
    // The bounce's report is the only one: the delete owed none.
    assert_eq!(peers.partner.messages().len(), 1);
    assert_eq!(api.node.store.oldest_report_owed().await.unwrap(), None);

    let audit = audit_actions(&api).await;
    let expected = [
        ("message-delete", deleted.clone()),
        ("message-bounce", bounced.clone()),
    ]
    .map(|(a, t)| (a.to_string(), t));
    assert_eq!(audit, expected);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recipient_in_flight_is_left_alone_and_reported() {
    use RecipientState::{Deferred, InFlight};
    let peers = Peers::start().await;
    let api = start(&peers).await;
    let (zoe, alice) = ("zoe@slow.test", "alice@contoso.test");
    let id = submit(&api, "bob@example.test", &[zoe, alice], "f@x.test").await;
    wait_states(&api, &id, &[InFlight, Deferred]).await;

    let (status, done) = api.post(&format!("/api/v1/messages/{id}/suspend")).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["recipients"], 1);
    assert_eq!(done["in_flight"], 1);
    assert_eq!(done["in_flight_recipients"], json!([zoe]));
    assert_eq!(
        api.node.states(&id).await,
        [InFlight, RecipientState::Suspended]
    );

    let (status, done) = api
        .delete(&format!("/api/v1/messages/{id}?recipient={zoe}"))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["recipients"].as_u64(), done["in_flight"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(api.node.states(&id).await[0], InFlight);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filter_is_counted_first_then_acted_on_exactly_in_pages() {
    use RecipientState::{Deferred, Failed, Suspended};
    let peers = Peers::start().await;
    let api = start(&peers).await;
    let alice = "alice@contoso.test";
    let mut bobs = Vec::new();
    for n in 0..3 {
        bobs.push(
            submit(
                &api,
                "bob@example.test",
                &[alice],
                &format!("bob{n}@x.test"),
            )
            .await,
        );
    }
    let dan = submit(&api, "dan@example.test", &[alice], "dan@x.test").await;
    for id in bobs.iter().chain([&dan]) {
        wait_states(&api, id, &[Deferred]).await;
    }

    let bob = json!({"sender": "bob@example.test"});
    let with = |more: Value| {
        let mut body = bob.clone();
        body.as_object_mut()
            .unwrap()
            .extend(more.as_object().unwrap().clone());
        body
    };
    let (status, counted) = api
        .post_json("/api/v1/queue/bounce", &with(json!({"dry_run": true})))
        .await;
    assert_eq!(status, 200, "{counted}");
    assert_eq!(
        (
            &counted["messages"],
            &counted["recipients"],
            &counted["dry_run"]
        ),
        (&json!(3), &json!(3), &json!(true))
    );
    assert_eq!(counted["audit_id"], Value::Null);
    for id in bobs.iter().chain([&dan]) {
        assert_eq!(
            api.node.states(id).await,
            [Deferred],
            "a dry run changes nothing"
        );
    }

    // Suspended two messages at a time, going on from the cursor.
    let (status, first) = api
        .post_json("/api/v1/queue/suspend", &with(json!({"limit": 2})))
        .await;
    assert_eq!(
        (status, first["messages"].as_u64()),
        (200, Some(2)),
        "{first}"
    );
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a cursor to go on from");
    let (status, rest) = api
        .post_json(
            "/api/v1/queue/suspend",
            &with(json!({"limit": 2, "cursor": cursor})),
        )
        .await;
    assert_eq!(
        (status, rest["messages"].as_u64()),
        (200, Some(1)),
        "{rest}"
    );
    assert_eq!(rest["next_cursor"], Value::Null);
    for id in &bobs {
        assert_eq!(api.node.states(id).await, [Suspended]);
    }
    assert_eq!(api.node.states(&dan).await, [Deferred]);

    let (status, done) = api
        .post_json("/api/v1/queue/bounce", &with(json!({"state": "suspended"})))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["messages"].as_u64(), done["recipients"].as_u64()),
        (Some(3), Some(3))
    );
    for id in &bobs {
        assert_eq!(api.node.states(id).await, [Failed]);
    }
    assert_eq!(api.node.states(&dan).await, [Deferred]);
    let reports = peers.partner.wait_for_messages(3, WAIT).await.unwrap();
    assert!(
        reports
            .iter()
            .all(|r| r.accepted_recipients() == ["bob@example.test"])
    );

    let (_, log) = api.get("/api/v1/audit").await;
    let log = log.as_array().unwrap();
    assert_eq!(
        log.len(),
        3,
        "one entry per request, none for the dry run: {log:#?}"
    );
    assert_eq!(log[0]["action"], "queue-bounce");
    assert_eq!(
        log[0]["before"]["filter"],
        json!({"sender": "bob@example.test", "state": "suspended"})
    );
    assert_eq!(log[0]["after"]["recipients"], 3);
    assert_eq!(log[1]["action"], "queue-suspend");
    assert_eq!(log[1]["before"]["cursor"], cursor);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_age_filter_deletes_only_older_mail() {
    use RecipientState::{Deferred, Suspended};
    let peers = Peers::start().await;
    let api = start(&peers).await;
    let old = submit(
        &api,
        "dan@example.test",
        &["alice@contoso.test"],
        "old@x.test",
    )
    .await;
    wait_states(&api, &old, &[Deferred]).await;
    // Suspended, it is not tried again while the clock moves on.
    let (status, _) = api
        .post_json("/api/v1/queue/suspend", &json!({"all": true}))
        .await;
    assert_eq!(status, 200);
    wait_states(&api, &old, &[Suspended]).await;
    api.node.advance(Duration::from_secs(3 * 3600));
    let new = submit(
        &api,
        "eve@example.test",
        &["alice@contoso.test"],
        "new@x.test",
    )
    .await;
    wait_states(&api, &new, &[Deferred]).await;

    let delete = |dry: bool| json!({"older_than": "2h", "dry_run": dry});
    let (status, counted) = api.post_json("/api/v1/queue/delete", &delete(true)).await;
    assert_eq!(
        (status, counted["messages"].as_u64()),
        (200, Some(1)),
        "{counted}"
    );
    let (status, done) = api.post_json("/api/v1/queue/delete", &delete(false)).await;
    assert_eq!(
        (status, done["messages"].as_u64()),
        (200, Some(1)),
        "{done}"
    );
    let old_id: MessageId = old.parse().unwrap();
    assert_eq!(api.node.store.message(old_id).await.unwrap(), None);
    assert_eq!(api.node.states(&new).await, [Deferred]);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_operations_name_what_is_wrong() {
    let peers = Peers::start().await;
    let api = start(&peers).await;
    let id = submit(
        &api,
        "bob@example.test",
        &["alice@contoso.test"],
        "w@x.test",
    )
    .await;
    for (path, body, field) in [
        ("/api/v1/queue/bounce", json!({}), "filter"),
        ("/api/v1/queue/explode", json!({"all": true}), "action"),
        ("/api/v1/queue/retry", json!({"colour": "red"}), "body"),
        (
            "/api/v1/queue/retry",
            json!({"older_than": "soon"}),
            "older_than",
        ),
        (
            "/api/v1/queue/retry",
            json!({"state": "delivered"}),
            "state",
        ),
        (
            "/api/v1/queue/retry",
            json!({"all": true, "limit": 5000}),
            "limit",
        ),
    ] {
        let (status, answer) = api.post_json(path, &body).await;
        assert_eq!(
            (status, answer["error"]["field"].as_str()),
            (400, Some(field)),
            "{path} {body}: {answer}"
        );
    }
    let unknown = MessageId::new().to_string();
    let (status, answer) = api.post(&format!("/api/v1/messages/{unknown}/retry")).await;
    assert_eq!(
        (status, answer["error"]["id"].as_str()),
        (404, Some(unknown.as_str()))
    );
    let (status, answer) = api.post(&format!("/api/v1/messages/{id}/delete")).await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (400, Some("action"))
    );
    let (status, answer) = api
        .post(&format!(
            "/api/v1/messages/{id}/bounce?recipient=nobody@contoso.test"
        ))
        .await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (400, Some("recipient"))
    );
    let (_, log) = api.get("/api/v1/audit").await;
    assert_eq!(log, json!([]), "refused requests change nothing");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_trace_finds_a_message_by_its_message_id_header_and_says_how_each_recipient_was_routed()
{
    let peers = Peers::start().await;
    let api = start(&peers).await;
    let to = ["alice@contoso.test", "pat@example.test", "x@elsewhere.test"];
    let id = submit(&api, "bob@example.test", &to, "trace.1@example.test").await;

    for search in ["%3Ctrace.1%40example.test%3E", "trace.1@example.test"] {
        let (status, traces) = api.get(&format!("/api/v1/trace?message_id={search}")).await;
        assert_eq!(status, 200, "{traces}");
        let traces = traces.as_array().unwrap();
        assert_eq!(traces.len(), 1, "{search}");
        assert_eq!(traces[0]["message"]["id"], id.as_str());
        assert_eq!(
            traces[0]["message"]["message_id_header"],
            "trace.1@example.test"
        );
    }
    let (_, none) = api.get("/api/v1/trace?message_id=other@example.test").await;
    assert_eq!(none, json!([]));

    let (_, traces) = api.get(&format!("/api/v1/trace?message_id={id}")).await;
    let routed: Vec<&Value> = traces[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["type"] == "routed")
        .collect();
    let seen: Vec<(&str, &str, &str)> = routed
        .iter()
        .map(|event| {
            (
                event["recipient"].as_str().unwrap(),
                event["reason"].as_str().unwrap(),
                event["next_hop"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("alice@contoso.test", "accepted_domain", "to-onprem"),
            ("pat@example.test", "partner_domain", "to-partner"),
            ("x@elsewhere.test", "mx", "mx/elsewhere.test"),
        ]
    );
    assert_eq!(routed[0]["connector"], "to-onprem");
    let summary = routed[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("accepted domain contoso.test (internal relay)"),
        "{summary}"
    );
    assert_eq!(routed[2]["connector"], Value::Null);
    // The queue keys name the organisation; its operators see them without it.
    let hops: Vec<&str> = traces[0]["message"]["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|recipient| recipient["next_hop"].as_str().unwrap())
        .collect();
    assert_eq!(hops, ["to-onprem", "to-partner", "mx/elsewhere.test"]);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_next_hop_filter_names_the_hop_as_the_organisation_sees_it() {
    use RecipientState::{Deferred, Suspended};
    let peers = Peers::start().await;
    let api = start(&peers).await;
    let id = submit(
        &api,
        "dan@example.test",
        &["alice@contoso.test"],
        "hop@x.test",
    )
    .await;
    wait_states(&api, &id, &[Deferred]).await;

    let suspend = |hop: &str| json!({"next_hop": hop, "dry_run": true});
    let (status, other) = api
        .post_json("/api/v1/queue/suspend", &suspend("to-partner"))
        .await;
    assert_eq!(
        (status, other["recipients"].as_u64()),
        (200, Some(0)),
        "{other}"
    );
    let (status, done) = api
        .post_json("/api/v1/queue/suspend", &json!({"next_hop": "to-onprem"}))
        .await;
    assert_eq!(
        (status, done["recipients"].as_u64()),
        (200, Some(1)),
        "{done}"
    );
    wait_states(&api, &id, &[Suspended]).await;
    api.stop().await;
}
