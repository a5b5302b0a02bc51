//! What slows an abusive client down, over a real socket: a command line
//! dripped a byte at a time must still be complete within the command
//! time-out, each failed log-in is answered only after its growing wait,
//! failed log-ins add up per address across connections until AUTH from it
//! is refused, sessions past the overall or per-address limit are refused at
//! the greeting, a session kept open past its maximum duration is closed at
//! its next command, never in the middle of a message, a session sending
//! only commands that move no mail is closed past its allowance, recipients
//! refused past the overshoot count as errors, and messages being received
//! share one memory budget.

use crate::common::tls::{handshake, tls_settings};
use crate::common::{Client, Harness, queued_id, settings};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mailflow_receive::{AuthLimits, ReceiveSettings, SessionLimits, hash_password};
use mailflow_store::{AuthStore, SqliteOptions};
use mailflow_testkit::certs::TestCa;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

const PASSWORD: &str = "correct horse battery";
/// How long any one reply may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);

/// Sends a byte every 25 ms (for ten seconds at most) until the server
/// answers; returns the answer's first line and how long it took.
async fn drip_until_answered(stream: TcpStream) -> (String, Duration) {
    let (read, mut write) = stream.into_split();
    let drip = tokio::spawn(async move {
        for _ in 0..400 {
            if write.write_all(b"x").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    });
    let started = Instant::now();
    let mut reply = String::new();
    tokio::time::timeout(PATIENCE / 2, BufReader::new(read).read_line(&mut reply))
        .await
        .expect("the server answers long before the drip ends")
        .unwrap();
    let waited = started.elapsed();
    drip.abort();
    let _ = drip.await;
    (reply, waited)
}

#[tokio::test]
async fn a_command_dripped_a_byte_at_a_time_gets_421_4_4_2_at_the_command_time_out() {
    let command_timeout = Duration::from_millis(500);
    let harness = Harness::start_with(
        ReceiveSettings {
            command_timeout,
            ..settings()
        },
        SqliteOptions::default(),
    )
    .await;
    let mut stream = TcpStream::connect(harness.addr).await.unwrap();
    // Byte by byte, so that nothing after the greeting is read here.
    let mut greeting = Vec::new();
    while greeting.last() != Some(&b'\n') {
        greeting.push(stream.read_u8().await.unwrap());
    }
    let greeting = String::from_utf8(greeting).unwrap();
    assert!(greeting.starts_with("220 "), "{greeting}");
    // Never a line end, well under the line limit. Were the time-out
    // counted per read, nothing would come while the drip lasts; it is
    // counted for the whole line.
    let (reply, waited) = drip_until_answered(stream).await;
    assert!(reply.starts_with("421 4.4.2"), "{reply}");
    assert!(waited >= command_timeout, "closed after {waited:?}");
    harness.stop().await;
}

#[tokio::test]
async fn a_message_dripped_a_byte_at_a_time_gets_421_4_4_2_at_the_data_deadline() {
    let data_deadline = Duration::from_millis(500);
    let harness = Harness::start_with(
        ReceiveSettings {
            data_timeout: Duration::from_secs(5),
            data_deadline,
            ..settings()
        },
        SqliteOptions::default(),
    )
    .await;
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    client.expect("DATA", "354").await;
    // Every read brings bytes long before the data time-out (5 s).
    let (reply, waited) = drip_until_answered(client.into_stream()).await;
    assert!(reply.starts_with("421 4.4.2"), "{reply}");
    assert!(waited >= data_deadline, "closed after {waited:?}");
    assert!(harness.messages().await.is_empty(), "nothing stored");
    harness.stop().await;
}

const SESSION_TOO_LONG: &str =
    "421 4.4.2 mx.mailflow.test session open too long, closing connection";

fn short_sessions(max_session_duration: Duration) -> ReceiveSettings {
    ReceiveSettings {
        max_session_duration,
        data_deadline: PATIENCE,
        ..settings()
    }
}

#[tokio::test]
async fn a_client_sending_noop_after_noop_is_closed_with_421_4_4_2_at_the_session_limit() {
    let limit = Duration::from_millis(500);
    let harness = Harness::start_with(short_sessions(limit), SqliteOptions::default()).await;
    let started = Instant::now();
    let mut client = harness.ehlo().await;
    // Each NOOP well within the command time-out (10 s); at most 200 of
    // them, ten seconds' worth.
    let mut last = String::new();
    for _ in 0..200 {
        last = client.command("NOOP").await;
        if !last.starts_with("250") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let waited = started.elapsed();
    assert_eq!(last, SESSION_TOO_LONG);
    assert!(waited >= limit, "closed after {waited:?}");
    assert!(client.closed_by_server().await);
    harness.stop().await;
}

#[tokio::test]
async fn an_idle_client_is_closed_at_the_session_limit_before_its_command_time_out() {
    let limit = Duration::from_millis(500);
    let harness = Harness::start_with(short_sessions(limit), SqliteOptions::default()).await;
    let started = Instant::now();
    let mut client = harness.ehlo().await;
    let reply = client.reply().await;
    let waited = started.elapsed();
    assert_eq!(reply, SESSION_TOO_LONG);
    assert!(waited >= limit, "closed after {waited:?}");
    assert!(
        waited < settings().command_timeout,
        "closed after {waited:?}"
    );
    harness.stop().await;
}

/// A message whose data is still arriving when the session's time is up is
/// received whole and accepted; the session closes at the command after it.
#[tokio::test]
async fn a_message_arriving_across_the_session_limit_is_accepted_and_the_session_closes_after_it() {
    let limit = Duration::from_millis(300);
    let harness = Harness::start_with(short_sessions(limit), SqliteOptions::default()).await;
    let started = Instant::now();
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    client.expect("DATA", "354").await;
    client.send(b"Subject: slow\r\n\r\n").await;
    // Twenty body lines 25 ms apart: the data outlasts the session limit.
    for line in 0..20 {
        client.send(format!("line {line}\r\n").as_bytes()).await;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        started.elapsed() >= limit,
        "the data ended within the limit"
    );
    client.send(b".\r\n").await;
    let accepted = client.reply().await;
    assert!(accepted.starts_with("250 2.0.0"), "{accepted}");
    assert_eq!(
        client.command("MAIL FROM:<carol@fabrikam.test>").await,
        SESSION_TOO_LONG
    );
    assert!(client.closed_by_server().await);
    let stored = harness.messages().await;
    assert_eq!(
        stored.len(),
        1,
        "the message taken across the limit is stored"
    );
    assert!(harness.body(stored[0].id).await.contains("line 19\r\n"));
    harness.stop().await;
}

/// Messages up to 200 KB, but only 64 KB for all messages being received.
const TOO_MUCH_JUNK: &str =
    "421 4.7.0 mx.mailflow.test too many commands without a message, closing connection";

fn junk_allowance(max_junk_commands: usize) -> ReceiveSettings {
    ReceiveSettings {
        max_junk_commands,
        ..settings()
    }
}

#[tokio::test]
async fn a_client_sending_only_noop_rset_vrfy_and_help_gets_421_4_7_0_past_its_allowance() {
    let harness = Harness::start_with(junk_allowance(9), SqliteOptions::default()).await;
    // EHLO is the first of nine.
    let mut client = harness.ehlo().await;
    for line in ["NOOP", "RSET", "VRFY alice", "HELP"].repeat(2) {
        let reply = client.command(line).await;
        assert!(
            reply.starts_with('2'),
            "{line} within the allowance: {reply}"
        );
    }
    assert_eq!(client.command("NOOP").await, TOO_MUCH_JUNK);
    assert!(client.closed_by_server().await);
    harness.stop().await;
}

/// Transactions that never reach DATA, started over with EHLO (which drops
/// the envelope, as RSET does).
#[tokio::test]
async fn mail_and_rcpt_looped_without_data_get_421_4_7_0_past_the_allowance() {
    let harness = Harness::start_with(junk_allowance(4), SqliteOptions::default()).await;
    let mut client = harness.ehlo().await; // the first of four
    for _ in 0..3 {
        client
            .expect("MAIL FROM:<carol@fabrikam.test>", "250")
            .await;
        client.expect("RCPT TO:<alice@contoso.test>", "250").await;
        client.expect("EHLO client.test", "250").await;
    }
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250")
        .await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    assert_eq!(client.command("EHLO client.test").await, TOO_MUCH_JUNK);
    assert!(client.closed_by_server().await);
    assert!(harness.messages().await.is_empty());
    harness.stop().await;
}

#[tokio::test]
async fn each_message_accepted_starts_the_allowance_over() {
    let harness = Harness::start_with(junk_allowance(4), SqliteOptions::default()).await;
    // EHLO, then an RSET and two NOOPs before every message: the first
    // message uses up the allowance, and three take three times as much.
    let mut client = harness.ehlo().await;
    for n in 0..3 {
        client.expect("RSET", "250").await;
        client.expect("NOOP", "250").await;
        client.expect("NOOP", "250").await;
        client
            .expect("MAIL FROM:<carol@fabrikam.test>", "250")
            .await;
        client.expect("RCPT TO:<alice@contoso.test>", "250").await;
        let accepted = client.data(&format!("Subject: {n}\r\n\r\nhi\r\n")).await;
        assert!(accepted.starts_with("250 2.0.0"), "{accepted}");
    }
    for _ in 0..4 {
        client.expect("RSET", "250").await;
    }
    assert_eq!(client.command("RSET").await, TOO_MUCH_JUNK);
    assert!(client.closed_by_server().await);
    assert_eq!(harness.messages().await.len(), 3, "every message is stored");
    harness.stop().await;
}

fn overshoot(max_recipient_overshoot: usize) -> ReceiveSettings {
    ReceiveSettings {
        max_recipient_overshoot,
        ..settings()
    }
}

const TOO_MANY_RECIPIENTS: &str = "452 4.5.3 too many recipients: at most 5 per message";

#[tokio::test]
async fn recipients_refused_past_the_overshoot_count_as_errors_until_421_4_7_0() {
    let harness = Harness::start_with(overshoot(3), SqliteOptions::default()).await;
    let mut client = harness.full_envelope().await;
    // Three 452s are the tail of a long list; the next nine are errors
    // the session survives (the limit is 10).
    for n in 0..12 {
        let reply = client
            .command(&format!("RCPT TO:<more{n}@hybrid.test>"))
            .await;
        assert_eq!(reply, TOO_MANY_RECIPIENTS, "RCPT {n} past the limit");
    }
    // The tenth error: its 452, then the session closes.
    assert_eq!(
        client.command("RCPT TO:<last@hybrid.test>").await,
        TOO_MANY_RECIPIENTS
    );
    assert_eq!(
        client.reply().await,
        "421 4.7.0 mx.mailflow.test too many errors, closing connection"
    );
    assert!(client.closed_by_server().await);
    harness.stop().await;
}

#[tokio::test]
async fn a_list_longer_than_the_limit_within_the_overshoot_is_sent_in_two_messages() {
    // Twelve 452s within an overshoot of 12: more than the error limit (10)
    // would allow if they counted.
    let harness = Harness::start_with(overshoot(12), SqliteOptions::default()).await;
    let mut client = harness.full_envelope().await;
    for n in 5..17 {
        let reply = client
            .command(&format!("RCPT TO:<user{n}@hybrid.test>"))
            .await;
        assert_eq!(reply, TOO_MANY_RECIPIENTS);
    }
    let first = client.data("Subject: one\r\n\r\nhi\r\n").await;
    assert!(first.starts_with("250 2.0.0"), "{first}");
    // The client sends the refused ones in a second message.
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250")
        .await;
    for n in 5..10 {
        client
            .expect(&format!("RCPT TO:<user{n}@hybrid.test>"), "250")
            .await;
    }
    let second = client.data("Subject: two\r\n\r\nhi\r\n").await;
    assert!(second.starts_with("250 2.0.0"), "{second}");
    client.expect("NOOP", "250").await;

    let counts: Vec<usize> = harness
        .messages()
        .await
        .iter()
        .map(|m| m.recipients.len())
        .collect();
    assert_eq!(counts, [5, 5]);
    harness.stop().await;
}

/// A 40 KB message under way takes 64 KB (its chunks), and 80 KB once its
/// `Received:` header is added; a 30 KB one takes 32 KB: no room for both.
fn tight_memory() -> ReceiveSettings {
    ReceiveSettings {
        max_message_size: 200_000,
        max_header_size: 200_000,
        max_receiving_memory: 88 * 1024,
        ..settings()
    }
}

/// Waits (five seconds at most) until the sessions hold `bytes` or more.
async fn until_receiving_at_least(harness: &Harness, bytes: u64) {
    for _ in 0..1000 {
        if harness.receiver.receiving_memory() >= bytes {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!(
        "the sessions hold {} bytes, never {bytes}",
        harness.receiver.receiving_memory()
    );
}

/// One client holds most of the budget with a message it has not finished;
/// another client's message, which would not fit beside it, is read to its
/// end and refused for now, and taken when sent again after the first is
/// done. Nothing accepted is lost and the budget is whole again at the end.
#[tokio::test]
async fn a_message_with_no_memory_left_gets_452_4_3_1_and_is_taken_when_sent_again() {
    let harness = Harness::start_with(tight_memory(), SqliteOptions::default()).await;
    let body_line = format!("{}\r\n", "b".repeat(98));
    let mut holder = harness.mail_from_carol().await;
    holder.expect("RCPT TO:<alice@contoso.test>", "250").await;
    holder.expect("DATA", "354").await;
    holder.send(b"Subject: big and slow\r\n\r\n").await;
    holder.send(body_line.repeat(400).as_bytes()).await; // 40 KB
    until_receiving_at_least(&harness, 40_000).await;

    let second = format!("Subject: second\r\n\r\n{}", body_line.repeat(300)); // 30 KB
    let mut other = harness.mail_from_carol().await;
    other.expect("RCPT TO:<alice@contoso.test>", "250").await;
    assert_eq!(
        other.data(&second).await,
        "452 4.3.1 insufficient system resources to take the message now, try again later"
    );
    other.expect("NOOP", "250 2.0.0").await;
    assert!(harness.messages().await.is_empty());

    holder.send(b".\r\n").await;
    let first = queued_id(&holder.reply().await);
    other.expect("MAIL FROM:<carol@fabrikam.test>", "250").await;
    other.expect("RCPT TO:<alice@contoso.test>", "250").await;
    let again = queued_id(&other.data(&second).await);
    assert!(harness.body(first).await.contains(&body_line.repeat(400)));
    assert!(harness.body(again).await.ends_with(&second));
    assert_eq!(harness.messages().await.len(), 2);
    assert_eq!(harness.receiver.receiving_memory(), 0);
    harness.stop().await;
}

/// A receiver that trusts no network, with user alice, and `limits`.
async fn start(limits: AuthLimits) -> (TestCa, Harness) {
    let ca = TestCa::new();
    let settings = ReceiveSettings {
        trusted_networks: vec![],
        auth: limits,
        ..tls_settings(&ca)
    };
    let harness = Harness::start_with(settings, SqliteOptions::default()).await;
    let hash = hash_password(PASSWORD).unwrap();
    harness
        .store
        .save_submission_user("default", "alice", &hash)
        .await
        .unwrap();
    (ca, harness)
}

/// Connected, upgraded to TLS, past EHLO.
async fn secured(ca: &TestCa, harness: &Harness) -> Client<TlsStream<TcpStream>> {
    secured_from(ca, harness.ehlo().await).await
}

/// `client` (past EHLO) upgraded to TLS, past EHLO again.
async fn secured_from(ca: &TestCa, mut client: Client) -> Client<TlsStream<TcpStream>> {
    client.expect("STARTTLS", "220").await;
    let mut client = handshake(ca, client).await;
    client.expect("EHLO client.test", "250").await;
    client
}

fn plain(user: &str, password: &str) -> String {
    format!(
        "AUTH PLAIN {}",
        STANDARD.encode(format!("\0{user}\0{password}"))
    )
}

#[tokio::test]
async fn each_failed_log_in_is_answered_only_after_its_growing_wait() {
    let step = Duration::from_millis(200);
    let (ca, harness) = start(AuthLimits {
        failure_delay: step,
        max_failure_delay: step * 2,
        max_failures: 4,
        ..AuthLimits::default()
    })
    .await;
    let mut client = secured(&ca, &harness).await;
    for (failure, least) in [(1, step), (2, step * 2), (3, step * 2)] {
        let started = Instant::now();
        client.expect(&plain("alice", "wrong"), "535 5.7.8").await;
        let waited = started.elapsed();
        assert!(
            waited >= least,
            "failure {failure} answered after {waited:?}"
        );
    }
    let started = Instant::now();
    client.expect(&plain("alice", "wrong"), "421 4.7.0").await;
    assert!(started.elapsed() >= step * 2);
    assert!(client.closed_by_server().await);
    harness.stop().await;
}

#[tokio::test]
async fn failed_log_ins_add_up_across_connections_until_auth_from_the_address_is_refused() {
    let (ca, harness) = start(AuthLimits {
        failure_delay: Duration::ZERO,
        max_failure_delay: Duration::ZERO,
        max_failures: 2,
        lockout_after: 3,
        ..AuthLimits::default()
    })
    .await;
    let mut first = secured(&ca, &harness).await;
    first.expect(&plain("alice", "one"), "535 5.7.8").await;
    first.expect(&plain("alice", "two"), "421 4.7.0").await;
    assert!(first.closed_by_server().await, "two in a session close it");

    // A new connection does not start over: the third failure of the
    // address closes this one too, and then even the right password is
    // refused from it, before it is checked.
    let mut second = secured(&ca, &harness).await;
    second.expect(&plain("alice", "three"), "421 4.7.0").await;
    assert!(second.closed_by_server().await);
    let mut third = secured(&ca, &harness).await;
    third.expect(&plain("alice", PASSWORD), "421 4.7.0").await;
    assert!(third.closed_by_server().await);

    // Another address is not held to this one's failures.
    let other = harness.connect_from("127.0.0.2").await;
    let mut other = secured_from(&ca, other).await;
    other.expect(&plain("alice", PASSWORD), "235 2.7.0").await;
    harness.stop().await;
}

/// A receiver that trusts no network, with `limits` on its sessions.
async fn start_limited(limits: SessionLimits) -> Harness {
    let settings = ReceiveSettings {
        trusted_networks: vec![],
        sessions: limits,
        ..settings()
    };
    Harness::start_with(settings, SqliteOptions::default()).await
}

/// A connection from `source`, and the first line it reads.
async fn greeted(harness: &Harness, source: &str) -> (TcpStream, String) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    let stream = socket.connect(harness.addr).await.unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    tokio::time::timeout(PATIENCE, reader.read_line(&mut line))
        .await
        .expect("a greeting in time")
        .unwrap();
    (reader.into_inner(), line)
}

#[tokio::test]
async fn a_client_past_its_session_limit_or_past_the_overall_one_gets_421_4_7_0() {
    let harness = start_limited(SessionLimits {
        max_sessions: 3,
        max_sessions_per_client: 2,
    })
    .await;
    let (first, greeting) = greeted(&harness, "127.0.0.1").await;
    assert!(greeting.starts_with("220 "), "{greeting}");
    let (_second, greeting) = greeted(&harness, "127.0.0.1").await;
    assert!(greeting.starts_with("220 "), "{greeting}");
    let (mut refused, greeting) = greeted(&harness, "127.0.0.1").await;
    assert!(
        greeting.starts_with("421 4.7.0 ") && greeting.contains("from your address"),
        "{greeting}"
    );
    let mut rest = Vec::new();
    assert_eq!(
        refused.read_to_end(&mut rest).await.unwrap(),
        0,
        "closed after the 421"
    );

    let (_other, greeting) = greeted(&harness, "127.0.0.2").await;
    assert!(
        greeting.starts_with("220 "),
        "another address has room: {greeting}"
    );
    let (_late, greeting) = greeted(&harness, "127.0.0.3").await;
    assert!(
        greeting.starts_with("421 4.7.0 "),
        "three are open in all: {greeting}"
    );

    // When a session ends its place is free again.
    let mut first = Client::over(first);
    first.expect("QUIT", "221").await;
    assert!(first.closed_by_server().await);
    let mut greeting = String::new();
    for _ in 0..100 {
        greeting = greeted(&harness, "127.0.0.1").await.1;
        if greeting.starts_with("220 ") {
            break;
        }
        // The server counts the session out just after closing it.
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(greeting.starts_with("220 "), "{greeting}");
    harness.stop().await;
}
