//! SMTP AUTH on a real socket with a real store: refused before TLS, PLAIN
//! and LOGIN over TLS, a logged-in user relays to any domain, a wrong
//! password gets `535 5.7.8` and no relaying, and too many failures close
//! the session. The wait after a failure is set to zero here; its growth is
//! unit-tested in the session.

use crate::common::tls::{handshake, tls_settings};
use crate::common::{Client, Harness, queued_id};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mailflow_receive::{AuthLimits, ReceiveSettings, hash_password};
use mailflow_store::{AuthStore, SqliteOptions};
use mailflow_testkit::certs::TestCa;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

const PASSWORD: &str = "correct horse battery";
/// A domain the organisation does not accept: reaching it is relaying.
const FOREIGN: &str = "RCPT TO:<dave@elsewhere.test>";

fn untrusted_tls_settings(ca: &TestCa) -> ReceiveSettings {
    ReceiveSettings {
        trusted_networks: vec![],
        auth: AuthLimits {
            failure_delay: Duration::ZERO,
            max_failure_delay: Duration::ZERO,
            max_failures: 3,
            ..AuthLimits::default()
        },
        ..tls_settings(ca)
    }
}

/// A receiver that trusts no network, with user alice in its store.
async fn start() -> (TestCa, Harness) {
    let ca = TestCa::new();
    let harness = Harness::start_with(untrusted_tls_settings(&ca), SqliteOptions::default()).await;
    let hash = hash_password(PASSWORD).unwrap();
    harness
        .store
        .save_submission_user("default", "alice", &hash)
        .await
        .unwrap();
    (ca, harness)
}

/// Connected, upgraded to TLS, past EHLO (whose reply is returned).
async fn secured(ca: &TestCa, harness: &Harness) -> (Client<TlsStream<TcpStream>>, String) {
    let mut client = harness.ehlo().await;
    client.expect("STARTTLS", "220").await;
    let mut client = handshake(ca, client).await;
    let ehlo = client.expect("EHLO client.test", "250").await;
    (client, ehlo)
}

fn plain(user: &str, password: &str) -> String {
    format!(
        "AUTH PLAIN {}",
        STANDARD.encode(format!("\0{user}\0{password}"))
    )
}

#[tokio::test]
async fn auth_is_neither_offered_nor_accepted_before_tls() {
    let (_ca, harness) = start().await;
    let mut client = harness.connect().await;
    let ehlo = client.expect("EHLO client.test", "250").await;
    assert!(!ehlo.contains("AUTH"), "{ehlo}");
    client.expect(&plain("alice", PASSWORD), "538 5.7.11").await;
    harness.stop().await;
}

#[tokio::test]
async fn auth_plain_over_tls_lets_the_user_relay() {
    let (ca, harness) = start().await;
    let (mut client, ehlo) = secured(&ca, &harness).await;
    assert!(ehlo.contains("AUTH PLAIN LOGIN"), "{ehlo}");
    client.expect("MAIL FROM:<alice@contoso.test>", "250").await;
    client.expect(FOREIGN, "550 5.7.1").await;
    client.expect("RSET", "250").await;
    client.expect(&plain("alice", PASSWORD), "235 2.7.0").await;
    client.expect("MAIL FROM:<alice@contoso.test>", "250").await;
    client.expect(FOREIGN, "250").await;
    let reply = client.data("Subject: relayed\r\n\r\nhello\r\n").await;
    let body = harness.body(queued_id(&reply)).await;
    assert!(body.contains(" with ESMTPSA id "), "{body}");
    client.expect(&plain("alice", PASSWORD), "503 5.5.1").await;
    harness.stop().await;
}

#[tokio::test]
async fn auth_login_over_tls_lets_the_user_relay() {
    let (ca, harness) = start().await;
    let (mut client, _) = secured(&ca, &harness).await;
    client.expect("AUTH LOGIN", "334 VXNlcm5hbWU6").await;
    client
        .expect(&STANDARD.encode("alice"), "334 UGFzc3dvcmQ6")
        .await;
    client.expect(&STANDARD.encode(PASSWORD), "235 2.7.0").await;
    client.expect("MAIL FROM:<alice@contoso.test>", "250").await;
    client.expect(FOREIGN, "250").await;
    harness.stop().await;
}

#[tokio::test]
async fn a_wrong_password_gets_535_and_relaying_stays_denied() {
    let (ca, harness) = start().await;
    let (mut client, _) = secured(&ca, &harness).await;
    client.expect(&plain("alice", "wrong"), "535 5.7.8").await;
    client
        .expect(&plain("mallory", PASSWORD), "535 5.7.8")
        .await;
    client.expect("MAIL FROM:<alice@contoso.test>", "250").await;
    client.expect(FOREIGN, "550 5.7.1").await;
    harness.stop().await;
}

#[tokio::test]
async fn too_many_failed_log_ins_close_the_session_with_421() {
    let (ca, harness) = start().await;
    let (mut client, _) = secured(&ca, &harness).await;
    client.expect(&plain("alice", "one"), "535 5.7.8").await;
    client.expect("AUTH LOGIN", "334").await;
    client.expect(&STANDARD.encode("alice"), "334").await;
    client.expect(&STANDARD.encode("two"), "535 5.7.8").await;
    client.expect(&plain("alice", "three"), "421 4.7.0").await;
    assert!(client.closed_by_server().await);
    harness.stop().await;
}

#[tokio::test]
async fn a_cancelled_exchange_gets_501() {
    let (ca, harness) = start().await;
    let (mut client, _) = secured(&ca, &harness).await;
    client.expect("AUTH PLAIN", "334").await;
    client.expect("*", "501").await;
    client.expect("AUTH CRAM-MD5", "504 5.5.4").await;
    harness.stop().await;
}
