//! The session's rules over a real socket: command order, unknown and
//! malformed commands, the simple commands, the error limit, the command
//! time-out and shutdown.

use crate::common::{Harness, settings};
use mailflow_store::SqliteOptions;
use std::time::Duration;

#[tokio::test]
async fn commands_out_of_order_get_503_5_5_1() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "503 5.5.1")
        .await;
    client.expect("EHLO client.test", "250").await;
    client
        .expect("RCPT TO:<alice@contoso.test>", "503 5.5.1")
        .await;
    client.expect("DATA", "503 5.5.1").await;
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250")
        .await;
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "503 5.5.1")
        .await;
    client.expect("RSET", "250 2.0.0").await;
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250")
        .await;
    harness.stop().await;
}

#[tokio::test]
async fn unknown_malformed_and_simple_commands() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    client.expect("FROBNICATE", "500 5.5.2").await;
    client
        .expect("MAIL FROM:carol@fabrikam.test", "501 5.5.4")
        .await;
    client
        .expect("MAIL FROM:<carol@fabrikam.test> XYZZY=1", "555 5.5.4")
        .await;
    client.expect("STARTTLS", "502 5.5.1").await; // no certificate configured
    client.expect("AUTH PLAIN", "538 5.7.11").await;
    client.expect("VRFY alice", "252 2.5.0").await;
    client.expect("HELP", "214 2.0.0").await;
    client.expect("NOOP", "250 2.0.0").await;
    client.expect("QUIT", "221 2.0.0").await;
    assert!(client.closed_by_server().await);
    harness.stop().await;
}

#[tokio::test]
async fn too_many_errors_close_the_session_with_421_4_7_0() {
    let mut strict = settings();
    strict.max_errors = 3;
    let harness = Harness::start_with(strict, SqliteOptions::default()).await;
    let mut client = harness.ehlo().await;
    client.send(b"BAD1\r\nBAD2\r\nBAD3\r\nNOOP\r\n").await;
    for _ in 0..3 {
        assert!(client.reply().await.starts_with("500 5.5.2"));
    }
    assert!(client.reply().await.starts_with("421 4.7.0"));
    assert!(client.closed_by_server().await);
    harness.stop().await;
}

#[tokio::test]
async fn silent_client_gets_421_4_4_2() {
    let mut impatient = settings();
    impatient.command_timeout = Duration::from_millis(300);
    let harness = Harness::start_with(impatient, SqliteOptions::default()).await;
    let mut client = harness.connect().await;
    assert!(client.reply().await.starts_with("421 4.4.2"));
    assert!(client.closed_by_server().await);
    harness.stop().await;
}

#[tokio::test]
async fn shutdown_closes_idle_sessions_with_421_4_3_2_and_stops_accepting() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    let addr = harness.addr;
    harness.cancel();
    assert!(client.reply().await.starts_with("421 4.3.2"));
    harness.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}
