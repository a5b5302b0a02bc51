//! `RCPT TO:<postmaster>` is taken from anyone (RFC 5321 4.5.1) and goes to
//! the organisation's administrators, or to `postmaster@` its first
//! accepted domain when it has none; `postmaster@` an authoritative domain
//! is taken although the directory does not list it.

use crate::common::{Harness, queued_id, settings};
use mailflow_store::{AlertSettings, AlertStore};

const MESSAGE: &str = "Subject: hello postmaster\r\n\r\nhi\r\n";

async fn untrusted() -> Harness {
    let mut untrusted = settings();
    untrusted.trusted_networks = vec!["192.0.2.0/24".parse().unwrap()];
    Harness::start_with(untrusted, Default::default()).await
}

fn addresses(harness_message: &mailflow_store::StoredMessage) -> Vec<(String, Option<String>)> {
    harness_message
        .recipients
        .iter()
        .map(|r| (r.address.clone(), r.dsn.orcpt.clone()))
        .collect()
}

#[tokio::test]
async fn postmaster_goes_to_the_administrators() {
    let harness = untrusted().await;
    let admins = AlertSettings {
        admin_emails: vec!["ops@hybrid.test".into(), "boss@elsewhere.test".into()],
        ..AlertSettings::default()
    };
    harness
        .store
        .save_alert_settings("default", &admins)
        .await
        .unwrap();
    let mut client = harness.ehlo().await;
    client
        .expect("MAIL FROM:<someone@outside.test>", "250")
        .await;
    client
        .expect(
            "RCPT TO:<PostMaster>",
            "250 2.1.5 recipient <postmaster> ok",
        )
        .await;
    let id = queued_id(&client.data(MESSAGE).await);
    let stored = harness.message(id).await;
    let postmaster = Some("rfc822;postmaster".to_string());
    assert_eq!(
        addresses(&stored),
        [
            ("ops@hybrid.test".to_string(), postmaster.clone()),
            ("boss@elsewhere.test".to_string(), postmaster),
        ]
    );
    harness.stop().await;
}

#[tokio::test]
async fn without_administrators_postmaster_goes_to_the_first_accepted_domain() {
    let harness = untrusted().await;
    let mut client = harness.ehlo().await;
    client
        .expect("MAIL FROM:<someone@outside.test>", "250")
        .await;
    client.expect("RCPT TO:<postmaster>", "250 2.1.5").await;
    client
        .expect("RCPT TO:<postmaster@contoso.test>", "250 2.1.5")
        .await;
    let id = queued_id(&client.data(MESSAGE).await);
    let stored = harness.message(id).await;
    assert_eq!(
        addresses(&stored),
        [
            (
                "postmaster@contoso.test".to_string(),
                Some("rfc822;postmaster".to_string())
            ),
            ("postmaster@contoso.test".to_string(), None),
        ]
    );
    assert_eq!(
        stored.recipients[0].route.connector.as_deref(),
        Some("onprem")
    );
    harness.stop().await;
}
