//! The key fix end to end: an on-premises server that refuses connections,
//! "stop relaying to on-premises" offered with its preview, applied (unknown
//! recipients refused over real SMTP, the queued unknown one bounced with an
//! NDR, the known one kept), and undone.

use mailflow_core::{DomainType, RecipientState};
use mailflow_fixes::{FixState, apply, offered_now, undo};
use mailflow_ndr::Language;
use mailflow_testkit::ports::refused_addr;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, delivery_status_part, eventually, org, settings};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn stop_relaying_refuses_unknown_recipients_bounces_queued_ones_and_undoes() {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(refused_addr(), partner.addr()), settings()).await;
    let to = ["alice@contoso.test", "zed@contoso.test"];
    let (code, reply) = send(node.smtp, "bob@example.test", &to, "Subject: hi\n\nhello\n").await;
    assert_eq!(code, 250, "{reply}");
    let id = queue_id(&reply);
    eventually("both recipients are deferred with 4.4.316", || async {
        let message = node.message(&id).await;
        message.recipients.iter().all(|r| {
            r.state == RecipientState::Deferred
                && r.last_error
                    .as_ref()
                    .is_some_and(|e| e.diagnosis.code().to_string() == "4.4.316")
        })
    })
    .await;

    // Offered, with its preview.
    let offers = offered_now(&node.handle).await.unwrap();
    let fix = offers
        .iter()
        .find(|f| f.id == "stop-relaying:to-onprem")
        .unwrap_or_else(|| {
            panic!(
                "offered: {:?}",
                offers.iter().map(|f| &f.id).collect::<Vec<_>>()
            )
        });
    assert_eq!(fix.because_of.as_deref(), Some("4.4.316"));
    let changes = &fix.preview.domain_changes;
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].domain.as_str(), changes[0].from, changes[0].to),
        (
            "contoso.test",
            DomainType::InternalRelay,
            DomainType::Authoritative
        )
    );
    assert_eq!(fix.preview.recipients_to_bounce, 1);
    assert_eq!(fix.preview.connector_disabled, None);
    let undo_words = fix.words(Language::English).undo;
    assert!(undo_words.contains("stays bounced"), "{undo_words}");
    assert!(
        offers
            .iter()
            .any(|f| f.id == "stop-relaying-and-disable:to-onprem")
    );

    // Applied.
    let entry = apply(&node.handle, "stop-relaying:to-onprem", "ops@contoso.test")
        .await
        .unwrap();
    let (code, refusal) = send(
        node.smtp,
        "bob@example.test",
        &["nobody@contoso.test"],
        "Subject: x\n\nx\n",
    )
    .await;
    assert_eq!(code, 550, "{refusal}");
    assert!(refusal.starts_with("550 5.1.10"), "{refusal}");

    partner.wait_for_messages(1, WAIT).await.unwrap();
    let ndr = &partner.messages()[0];
    assert_eq!(ndr.accepted_recipients(), ["bob@example.test"]);
    let status = delivery_status_part(&ndr.data);
    assert!(
        status.contains("Final-Recipient: rfc822; zed@contoso.test"),
        "{status}"
    );
    assert!(status.contains("Status: 5.1.10"), "{status}");
    let message = node.message(&id).await;
    assert_eq!(
        message.recipients[0].state,
        RecipientState::Deferred,
        "alice stays queued"
    );
    assert_eq!(message.recipients[1].state, RecipientState::Failed);
    let error = message.recipients[1].last_error.as_ref().unwrap();
    assert_eq!(error.diagnosis.code().to_string(), "5.1.10");

    let saved = node.store.org_settings(ORG).await.unwrap().unwrap();
    assert_eq!(saved.accepted_domains[0].kind, DomainType::Authoritative);
    let after = FixState::from_json(&entry.after).unwrap();
    assert_eq!(after.recipients_bounced, Some(1));
    assert_eq!(
        after.settings.accepted_domains[0].kind,
        DomainType::Authoritative
    );
    let before = FixState::from_json(&entry.before).unwrap();
    assert_eq!(
        before.settings.accepted_domains[0].kind,
        DomainType::InternalRelay
    );

    // Undone.
    let undo_entry = undo(&node.handle, entry.id, "ops@contoso.test")
        .await
        .unwrap();
    assert_eq!(undo_entry.action, "undo:stop-relaying");
    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["nobody@contoso.test"],
        "Subject: x\n\nx\n",
    )
    .await;
    assert_eq!(code, 250, "unknown recipients are relayed again: {reply}");
    assert_eq!(
        node.handle.org().accepted_domains[0].kind,
        DomainType::InternalRelay
    );

    // The audit log shows both, newest first, with before and after.
    let log = node.store.audit_entries(None, 10).await.unwrap();
    let summary: Vec<_> = log
        .iter()
        .map(|e| (e.id, e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (undo_entry.id, "undo:stop-relaying", "ops@contoso.test"),
            (entry.id, "stop-relaying", "ops@contoso.test"),
        ]
    );
    assert!(log[1].undone_at.is_some());
    assert_eq!(log[1].before, entry.before);
    assert_eq!(
        log[0].after,
        serde_json::json!({
            "accepted_domains": [{"name": "contoso.test", "type": "internal_relay"}],
            "undoes": entry.id,
        })
    );
    assert!(matches!(
        undo(&node.handle, entry.id, "ops").await,
        Err(mailflow_fixes::FixError::AlreadyUndone { id }) if id == entry.id
    ));
    node.stop().await;
}
