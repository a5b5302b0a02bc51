//! The other fixes and the queue actions on a running node: disable stops
//! deliveries, lower TLS changes the policy, suspend/resume/retry move the
//! queue, bounce-all fails it with an NDR; and the errors that name the id.

use mailflow_core::{EventKind, MessageId, RecipientState, TlsPolicy};
use mailflow_fixes::{FixError, FixState, apply, undo};
use mailflow_store::{NewMessage, NewRecipient};
use mailflow_testkit::ports::refused_addr;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, delivery_status_part, eventually, org, settings};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);
const OPS: &str = "ops@contoso.test";

/// A node whose on-premises connector is refused, with one message to
/// alice deferred on it; returns the node, the partner sink and the id.
async fn deferred_node() -> (TestNode, SmtpServer, String) {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(refused_addr(), partner.addr()), settings()).await;
    let id = submit(&node).await;
    eventually("alice is deferred after a first attempt", || async {
        let message = node.message(&id).await;
        message.recipients[0].state == RecipientState::Deferred
    })
    .await;
    (node, partner, id)
}

async fn submit(node: &TestNode) -> String {
    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        "Subject: hi\n\nhello\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    queue_id(&reply)
}

async fn attempts(node: &TestNode, id: &str) -> u32 {
    node.message(id).await.recipients[0].attempts
}

#[tokio::test]
async fn disable_connector_stops_deliveries_until_undone() {
    let onprem = SmtpServer::start(SmtpBehavior::new().greeting("421 4.3.2 not now")).await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings()).await;
    let id = submit(&node).await;
    eventually("alice is deferred with 4.4.317", || async {
        let r = &node.message(&id).await.recipients[0];
        r.state == RecipientState::Deferred && r.last_error.is_some()
    })
    .await;

    let entry = apply(&node.handle, "disable:to-onprem", OPS).await.unwrap();
    assert!(!node.handle.org().connector("to-onprem").unwrap().enabled);
    onprem.set_behavior(SmtpBehavior::new());
    apply(&node.handle, "retry:to-onprem", OPS).await.unwrap();
    eventually("the retry meets a disabled connector", || async {
        let r = &node.message(&id).await.recipients[0];
        r.last_error
            .as_ref()
            .is_some_and(|e| e.diagnosis.detail().contains("to-onprem is disabled"))
    })
    .await;
    assert!(
        onprem.messages().is_empty(),
        "nothing reached the disabled connector"
    );

    undo(&node.handle, entry.id, OPS).await.unwrap();
    apply(&node.handle, "retry:to-onprem", OPS).await.unwrap();
    onprem.wait_for_messages(1, WAIT).await.unwrap();
    eventually("alice is delivered once enabled again", || async {
        node.states(&id).await == [RecipientState::Delivered]
    })
    .await;
    node.stop().await;
}

#[tokio::test]
async fn lower_tls_changes_verify_ca_to_required_and_undo_puts_it_back() {
    let mut org_settings = org(refused_addr(), refused_addr());
    org_settings.connectors[1].tls = TlsPolicy::VerifyCa;
    let node = TestNode::start(org_settings, settings()).await;

    let entry = apply(&node.handle, "lower-tls:to-partner", OPS)
        .await
        .unwrap();
    let tls = |s: &mailflow_core::OrgSettings| s.connector("to-partner").unwrap().tls;
    assert_eq!(tls(&node.handle.org()), TlsPolicy::Required);
    let saved = node.store.org_settings(ORG).await.unwrap().unwrap();
    assert_eq!(tls(&saved), TlsPolicy::Required);
    let before = FixState::from_json(&entry.before).unwrap();
    assert_eq!(before.settings.connector.unwrap().tls, TlsPolicy::VerifyCa);

    match apply(&node.handle, "lower-tls:to-partner", OPS).await {
        Err(FixError::NotApplicable { id, .. }) => assert_eq!(id, "lower-tls:to-partner"),
        other => panic!("applied twice: {other:?}"),
    }
    undo(&node.handle, entry.id, OPS).await.unwrap();
    assert_eq!(tls(&node.handle.org()), TlsPolicy::VerifyCa);
    node.stop().await;
}

#[tokio::test]
async fn suspend_resume_and_retry_now_move_a_connectors_queue() {
    let (node, _partner, id) = deferred_node().await;

    let suspended = apply(&node.handle, "suspend:to-onprem", OPS).await.unwrap();
    assert_eq!(
        FixState::from_json(&suspended.after)
            .unwrap()
            .recipients_affected,
        Some(1)
    );
    assert_eq!(node.states(&id).await, [RecipientState::Suspended]);
    let events = node.store.events(id.parse().unwrap()).await.unwrap();
    let operator = events.iter().find_map(|e| match &e.kind {
        EventKind::Operator { action, actor } if action == "suspend" => Some(actor.clone()),
        _ => None,
    });
    assert_eq!(
        operator.as_deref(),
        Some(OPS),
        "the trace shows who suspended it"
    );

    // Undoing a suspend resumes: queued again, due when the hop's wait ends.
    undo(&node.handle, suspended.id, OPS).await.unwrap();
    assert_eq!(node.states(&id).await, [RecipientState::Queued]);

    // Retry now lifts the hold without moving the clock.
    let tried = attempts(&node, &id).await;
    let retried = apply(&node.handle, "retry:to-onprem", OPS).await.unwrap();
    assert_eq!(
        FixState::from_json(&retried.after)
            .unwrap()
            .recipients_affected,
        Some(1)
    );
    eventually("retry now makes another attempt", || async {
        attempts(&node, &id).await > tried
    })
    .await;
    match undo(&node.handle, retried.id, OPS).await {
        Err(FixError::NotUndoable { id, .. }) => assert_eq!(id, retried.id),
        other => panic!("a retry was undone: {other:?}"),
    }

    apply(&node.handle, "suspend:to-onprem", OPS).await.unwrap();
    let resumed = apply(&node.handle, "resume:to-onprem", OPS).await.unwrap();
    assert_eq!(
        FixState::from_json(&resumed.after)
            .unwrap()
            .recipients_affected,
        Some(1)
    );
    assert_ne!(node.states(&id).await, [RecipientState::Suspended]);
    node.stop().await;
}

#[tokio::test]
async fn bounce_all_fails_the_queue_with_5_3_0_and_reports_to_the_sender() {
    let (node, partner, id) = deferred_node().await;

    let entry = apply(&node.handle, "bounce-all:to-onprem", OPS)
        .await
        .unwrap();
    assert_eq!(
        FixState::from_json(&entry.after)
            .unwrap()
            .recipients_bounced,
        Some(1)
    );
    assert_eq!(node.states(&id).await, [RecipientState::Failed]);
    partner.wait_for_messages(1, WAIT).await.unwrap();
    let status = delivery_status_part(&partner.messages()[0].data);
    assert!(status.contains("Status: 5.3.0"), "{status}");
    assert!(matches!(
        undo(&node.handle, entry.id, OPS).await,
        Err(FixError::NotUndoable { .. })
    ));
    node.stop().await;
}

#[tokio::test]
async fn bounce_all_walks_a_queue_of_many_pages_failing_each_recipient_once() {
    let (node, partner, id) = deferred_node().await;
    // The hop is held now: mail stored for it waits untried. From the null
    // sender, so that only the first message has a report to send.
    let first = node.message(&id).await;
    let waiting = &first.recipients[0];
    // Two recipients each: more than one page of 1000.
    let messages = 520;
    for _ in 0..messages {
        let recipient = |address: &str| NewRecipient {
            reason: None,
            address: address.into(),
            dsn: Default::default(),
            route: waiting.route.clone(),
            next_hop: waiting.next_hop.clone(),
        };
        let now = node.now();
        let message = NewMessage {
            message_id_header: None,
            id: MessageId::new(),
            org: ORG.into(),
            sender: String::new(),
            client: "127.0.0.1".into(),
            received_at: now,
            expires_at: now + Duration::from_secs(86400),
            dsn: Default::default(),
            body: b"Subject: many\r\n\r\nx\r\n".to_vec().into(),
            recipients: vec![recipient("zed@contoso.test"), recipient("yan@contoso.test")],
        };
        node.store.accept_message(message).await.unwrap();
    }

    let entry = apply(&node.handle, "bounce-all:to-onprem", OPS)
        .await
        .unwrap();
    let bounced = FixState::from_json(&entry.after)
        .unwrap()
        .recipients_bounced;
    assert_eq!(
        bounced,
        Some(2 * messages + 1),
        "more than one page, each once"
    );
    let left = node.store.waiting_counts(ORG).await.unwrap();
    assert!(
        left.iter()
            .all(|count| count.connector.as_deref() != Some("to-onprem")),
        "nothing of the connector waits: {left:?}"
    );
    partner.wait_for_messages(1, WAIT).await.unwrap();
    assert_eq!(partner.messages().len(), 1, "one report, to bob");
    node.stop().await;
}

#[tokio::test]
async fn errors_name_the_fix_id_the_connector_or_the_audit_entry() {
    let node = TestNode::start(org(refused_addr(), refused_addr()), settings()).await;
    match apply(&node.handle, "reboot:to-onprem", OPS).await {
        Err(FixError::UnknownFix { id }) => assert_eq!(id, "reboot:to-onprem"),
        other => panic!("{other:?}"),
    }
    match apply(&node.handle, "suspend:nowhere", OPS).await {
        Err(FixError::NoSuchConnector { connector, .. }) => assert_eq!(connector, "nowhere"),
        other => panic!("{other:?}"),
    }
    match apply(&node.handle, "stop-relaying:to-partner", OPS).await {
        Err(error @ FixError::NotApplicable { .. }) => {
            assert!(
                error
                    .to_string()
                    .contains("to-partner carries no internal-relay"),
                "{error}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        undo(&node.handle, 42, OPS).await,
        Err(FixError::NoSuchAuditEntry { id: 42 })
    ));
    assert!(
        node.store.audit_entries(None, 0).await.unwrap().is_empty(),
        "failures are not audited"
    );
    node.stop().await;
}
