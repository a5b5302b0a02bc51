//! STARTTLS on a real socket: a certificate issued by a test CA, a rustls
//! client that trusts only that CA, what EHLO offers before and after the
//! handshake, the reset the upgrade implies, and that commands pipelined
//! behind STARTTLS in clear are never executed.

use crate::common::tls::{handshake, tls_settings};
use crate::common::{Harness, queued_id};
use mailflow_store::SqliteOptions;
use mailflow_testkit::certs::TestCa;

async fn start_tls() -> (TestCa, Harness) {
    let ca = TestCa::new();
    let harness = Harness::start_with(tls_settings(&ca), SqliteOptions::default()).await;
    (ca, harness)
}

#[tokio::test]
async fn ehlo_offers_starttls_in_clear_only_and_the_upgrade_resets_the_session() {
    let (ca, harness) = start_tls().await;
    let mut client = harness.connect().await;
    let before = client.expect("EHLO client.test", "250").await;
    assert!(
        before.contains("250-STARTTLS") || before.contains("250 STARTTLS"),
        "{before}"
    );
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250")
        .await;
    client.expect("STARTTLS", "220 2.0.0").await;
    let mut secured = handshake(&ca, client).await;
    secured
        .expect("MAIL FROM:<carol@fabrikam.test>", "503 5.5.1")
        .await;
    let after = secured.expect("EHLO client.test", "250").await;
    assert!(!after.contains("STARTTLS"), "{after}");
    secured.expect("STARTTLS", "503 5.5.1").await;
    secured.expect("QUIT", "221").await;
    harness.stop().await;
}

#[tokio::test]
async fn commands_pipelined_after_starttls_are_discarded() {
    let (ca, harness) = start_tls().await;
    let mut client = harness.ehlo().await;
    client
        .send(b"STARTTLS\r\nEHLO evil.test\r\nMAIL FROM:<evil@evil.test>\r\n")
        .await;
    assert!(client.reply().await.starts_with("220 2.0.0"));
    let mut secured = handshake(&ca, client).await;
    // Had the injected EHLO and MAIL run, RCPT would be in sequence.
    secured
        .expect("RCPT TO:<alice@contoso.test>", "503 5.5.1")
        .await;
    secured
        .expect("MAIL FROM:<carol@fabrikam.test>", "503 5.5.1")
        .await;
    secured.expect("QUIT", "221").await;
    harness.stop().await;
}

#[tokio::test]
async fn message_received_over_tls_is_stamped_esmtps() {
    let (ca, harness) = start_tls().await;
    let mut client = harness.ehlo().await;
    client.expect("STARTTLS", "220").await;
    let mut secured = handshake(&ca, client).await;
    secured.expect("EHLO client.test", "250").await;
    secured
        .expect("MAIL FROM:<carol@fabrikam.test>", "250")
        .await;
    secured.expect("RCPT TO:<alice@contoso.test>", "250").await;
    let reply = secured.data("Subject: over TLS\r\n\r\nhello\r\n").await;
    let body = harness.body(queued_id(&reply)).await;
    assert!(body.contains(" with ESMTPS id "), "{body}");
    secured.expect("QUIT", "221").await;
    harness.stop().await;
}

#[tokio::test]
async fn without_a_certificate_starttls_is_neither_offered_nor_accepted() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let ehlo = client.expect("EHLO client.test", "250").await;
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    client.expect("STARTTLS", "502 5.5.1").await;
    harness.stop().await;
}
