//! A message whose body the store has lost (its spool file removed behind
//! the node's back) is not left waiting: its recipients fail with a
//! `local_error` naming what is missing, its sender gets a report built
//! from the envelope, an alert opens, and mail accepted afterwards is
//! delivered as usual.

use mailflow_core::{Category, RecipientState};
use mailflow_store::{AlertRule, AlertStateFilter};
use mailflow_testkit::ports::refused_addr;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{ORG, TestNode, delivery_status, eventually, org, settings};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);
const HOUR: Duration = Duration::from_secs(3600);

fn remove_spool_files(node: &TestNode) -> usize {
    let spool = node.data_dir().join("spool");
    let mut removed = 0;
    for entry in std::fs::read_dir(spool).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
        removed += 1;
    }
    removed
}

#[tokio::test]
async fn a_message_without_its_body_fails_with_a_report_and_an_alert_and_later_mail_flows() {
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(refused_addr(), partner.addr()), settings()).await;
    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        "Subject: lost\n\nx\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let id = queue_id(&reply);
    eventually("the first attempt is deferred", || async {
        node.message(&id).await.recipients[0].state == RecipientState::Deferred
    })
    .await;

    assert!(remove_spool_files(&node) > 0, "the body was in the spool");
    node.advance(HOUR);
    eventually("the recipient fails", || async {
        node.message(&id).await.recipients[0].state == RecipientState::Failed
    })
    .await;
    let recipient = node.message(&id).await.recipients[0].clone();
    let error = recipient.last_error.expect("the failure is recorded");
    assert_eq!(error.diagnosis.category(), Category::LocalError);
    assert_eq!(error.diagnosis.code().to_string(), "5.3.0");
    assert!(
        error
            .diagnosis
            .detail()
            .contains(&format!("body of message {id} is missing")),
        "{}",
        error.diagnosis.detail()
    );

    // The report is built from the envelope and reaches the sender.
    partner.wait_for_messages(1, WAIT).await.unwrap();
    let report = &partner.messages()[0];
    assert_eq!(report.mail_from, "", "a report comes from <>");
    assert_eq!(
        report.accepted_recipients(),
        vec!["bob@example.test".to_string()]
    );
    let status = delivery_status(&report.data);
    assert!(status.contains("Status: 5.3.0"), "{status}");
    assert!(
        status.contains("Final-Recipient: rfc822; alice@contoso.test"),
        "{status}"
    );

    let alerts = node
        .store
        .list_alerts(ORG, AlertStateFilter::Open)
        .await
        .unwrap();
    let alert = alerts
        .iter()
        .find(|a| a.rule == AlertRule::LostBodies)
        .expect("a lost-body alert is open");
    assert_eq!(alert.connector.as_deref(), Some("to-onprem"));
    assert_eq!(alert.code, "5.3.0");
    assert_eq!(alert.values.lost_messages, 1);

    // Mail accepted after the loss has its body and is carried as usual.
    let (code, reply) = send(
        node.smtp,
        "alice@contoso.test",
        &["carol@example.test"],
        "Subject: after\n\nx\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let after = partner.wait_for_messages(2, WAIT).await.unwrap();
    assert!(
        String::from_utf8_lossy(&after[1].data).contains("Subject: after"),
        "the next message arrives whole"
    );
    node.stop().await;
}
