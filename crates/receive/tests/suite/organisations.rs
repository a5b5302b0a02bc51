//! Several organisations on one node: mail to an accepted domain belongs to
//! the organisation that accepts it, whoever sends it; mail relayed onward
//! to the node's own; and one message belongs to one organisation.

use crate::common::*;
use mailflow_core::{AcceptedDomain, Clock, ConnectorKind, DomainType, OrgSettings};
use mailflow_store::{AlertSettings, AlertStore};

const GLOBEX: &str = "globex";
const MESSAGE: &str = "From: zed@elsewhere.test\r\nSubject: hello\r\n\r\nHi.\r\n";

/// Accepts globex.test (authoritative, carol only) through its own
/// connector named like the node's own organisation's, `onprem`.
fn globex() -> OrgSettings {
    let mut org = OrgSettings {
        accepted_domains: vec![AcceptedDomain {
            name: "globex.test".into(),
            kind: DomainType::Authoritative,
        }],
        connectors: vec![connector(
            "onprem",
            ConnectorKind::OnPremises,
            &["globex.test"],
            &["127.0.0.1:2600"],
        )],
        ..Default::default()
    };
    org.directory.insert("carol@globex.test");
    org
}

/// A client no organisation lets relay (trusted networks: another address).
fn outside() -> mailflow_receive::ReceiveSettings {
    let mut settings = settings();
    settings.trusted_networks = vec!["127.0.0.99/32".parse().unwrap()];
    settings
}

#[tokio::test]
async fn mail_to_an_accepted_domain_belongs_to_the_organisation_that_accepts_it() {
    let harness = Harness::start_orgs(outside(), vec![(GLOBEX, globex())]).await;
    let mut client = harness.ehlo().await;
    client
        .expect("MAIL FROM:<zed@elsewhere.test>", "250 2.1.0")
        .await;
    client
        .expect("RCPT TO:<carol@globex.test>", "250 2.1.5")
        .await;
    let id = queued_id(&client.data(MESSAGE).await);
    let stored = harness.message(id).await;
    assert_eq!(stored.org, GLOBEX);
    assert_eq!(stored.recipients[0].next_hop, "globex/onprem");

    // globex's directory, not the node's own, says who exists there.
    client
        .expect("MAIL FROM:<zed@elsewhere.test>", "250 2.1.0")
        .await;
    client
        .expect("RCPT TO:<alice@globex.test>", "550 5.1.10")
        .await;
    // And relaying for outsiders is refused as ever.
    client
        .expect("RCPT TO:<someone@elsewhere.test>", "550 5.7.1")
        .await;
    harness.stop().await;
}

#[tokio::test]
async fn one_message_belongs_to_one_organisation_and_another_is_put_off_with_452() {
    let harness = Harness::start_orgs(settings(), vec![(GLOBEX, globex())]).await;
    let mut client = harness.ehlo().await;
    client
        .expect("MAIL FROM:<bob@contoso.test>", "250 2.1.0")
        .await;
    client
        .expect("RCPT TO:<alice@contoso.test>", "250 2.1.5")
        .await;
    client
        .expect("RCPT TO:<carol@globex.test>", "452 4.5.3")
        .await;
    // Relayed mail is the node's own organisation's, as the first was.
    client
        .expect("RCPT TO:<dave@fabrikam.test>", "250 2.1.5")
        .await;
    let id = queued_id(&client.data(MESSAGE).await);
    let stored = harness.message(id).await;
    assert_eq!(stored.org, "default");
    let addresses: Vec<&str> = stored
        .recipients
        .iter()
        .map(|r| r.address.as_str())
        .collect();
    assert_eq!(addresses, ["alice@contoso.test", "dave@fabrikam.test"]);

    // Sent again on its own, the recipient put off goes through.
    client
        .expect("MAIL FROM:<bob@contoso.test>", "250 2.1.0")
        .await;
    client
        .expect("RCPT TO:<carol@globex.test>", "250 2.1.5")
        .await;
    let id = queued_id(&client.data(MESSAGE).await);
    assert_eq!(harness.message(id).await.org, GLOBEX);
    harness.stop().await;
}

#[tokio::test]
async fn each_organisation_counts_its_own_unknown_recipients_against_its_own_quota() {
    let harness = Harness::start_orgs(outside(), vec![(GLOBEX, globex())]).await;
    let quota = AlertSettings {
        invalid_recipient_quota: Some(1),
        ..AlertSettings::default()
    };
    harness
        .store
        .save_alert_settings(GLOBEX, &quota)
        .await
        .unwrap();
    let mut client = harness.ehlo().await;
    client
        .expect("MAIL FROM:<zed@elsewhere.test>", "250 2.1.0")
        .await;
    client
        .expect("RCPT TO:<guess1@globex.test>", "550 5.1.10")
        .await;
    client
        .expect("RCPT TO:<guess2@globex.test>", "450 4.7.1")
        .await;
    // The node's own organisation has no quota: its unknown recipients are
    // refused as such, and none was counted for it.
    client
        .expect("RCPT TO:<guess3@contoso.test>", "550 5.1.10")
        .await;
    let since = harness.clock.now() - std::time::Duration::from_secs(3600);
    let theirs = harness
        .store
        .invalid_recipients_since(GLOBEX, since)
        .await
        .unwrap();
    assert_eq!(theirs[0].count, 2, "{theirs:?}");
    let ours = harness
        .store
        .invalid_recipients_since("default", since)
        .await
        .unwrap();
    assert!(ours.is_empty(), "{ours:?}");
    harness.stop().await;
}
