//! The scripted SMTP server talks, misbehaves and records as told, checked
//! with a raw client over loopback.

use mailflow_testkit::{FaultAction, FaultPoint, SmtpBehavior, SmtpServer, TestCa};
use rustls::crypto::ring;
use rustls_pki_types::ServerName;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

const WAIT: Duration = Duration::from_secs(5);

/// A bare-hands SMTP client: send lines, read whole replies.
struct RawClient<S> {
    conn: BufReader<S>,
}

impl RawClient<TcpStream> {
    async fn connect(addr: SocketAddr) -> Self {
        RawClient {
            conn: BufReader::new(TcpStream::connect(addr).await.unwrap()),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> RawClient<S> {
    /// A whole (possibly multi-line) reply, lines joined with `\n`; empty at
    /// end of stream.
    async fn reply(&mut self) -> std::io::Result<String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if self.conn.read_line(&mut line).await? == 0 {
                return Ok(lines.join("\n"));
            }
            let line = line.trim_end().to_string();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return Ok(lines.join("\n"));
            }
        }
    }

    async fn send(&mut self, text: &str) {
        self.conn.write_all(text.as_bytes()).await.unwrap();
    }

    async fn command(&mut self, line: &str) -> String {
        self.send(&format!("{line}\r\n")).await;
        self.reply().await.unwrap()
    }
}

#[tokio::test]
async fn records_a_transaction_sent_by_a_raw_client() {
    let server = SmtpServer::start(SmtpBehavior::new()).await;
    let mut client = RawClient::connect(server.addr()).await;
    assert!(client.reply().await.unwrap().starts_with("220 "));
    assert!(
        client
            .command("EHLO relay.test")
            .await
            .starts_with("250-mx.test")
    );
    assert_eq!(
        client
            .command("MAIL FROM:<a@src.test> SIZE=42 RET=HDRS")
            .await,
        "250 2.1.0 Sender OK"
    );
    assert_eq!(
        client.command("RCPT TO:<b@dst.test> NOTIFY=NEVER").await,
        "250 2.1.5 Recipient OK"
    );
    assert!(client.command("DATA").await.starts_with("354 "));
    let final_reply = client
        .command("Subject: hi\r\n\r\n..dotted\r\nplain\r\n.")
        .await;
    assert_eq!(final_reply, "250 2.0.0 Queued");
    assert_eq!(client.command("QUIT").await, "221 2.0.0 Bye");

    let messages = server.wait_for_messages(1, WAIT).await.unwrap();
    let message = &messages[0];
    assert_eq!(message.ehlo.as_deref(), Some("relay.test"));
    assert!(!message.tls);
    assert_eq!(message.mail_from, "a@src.test");
    assert_eq!(message.mail_params, vec!["SIZE=42", "RET=HDRS"]);
    assert_eq!(message.recipients[0].address, "b@dst.test");
    assert_eq!(message.recipients[0].params, vec!["NOTIFY=NEVER"]);
    assert_eq!(
        message.data_text(),
        "Subject: hi\r\n\r\n.dotted\r\nplain\r\n"
    );
    assert_eq!(message.final_reply.as_deref(), Some("250 2.0.0 Queued"));
    assert_eq!(server.connections(), 1);
    assert_eq!(
        server.sessions()[0].commands.last().map(String::as_str),
        Some("QUIT")
    );
}

#[tokio::test]
async fn pipelined_commands_and_several_transactions_on_one_connection() {
    let behavior = SmtpBehavior::new()
        .pipelining(true)
        .rcpt_reply_for("Gone@dst.test", "550 5.1.1 No such user")
        .final_reply_for(1, "451 4.3.0 Try later");
    let server = SmtpServer::start(behavior).await;
    let mut client = RawClient::connect(server.addr()).await;
    client.reply().await.unwrap();
    assert!(
        client
            .command("EHLO relay.test")
            .await
            .contains("250-PIPELINING")
    );
    for transaction in 0..2 {
        client
            .send("MAIL FROM:<>\r\nRCPT TO:<ok@dst.test>\r\nRCPT TO:<gone@dst.test>\r\nDATA\r\n")
            .await;
        assert!(client.reply().await.unwrap().starts_with("250"));
        assert!(client.reply().await.unwrap().starts_with("250"));
        assert_eq!(client.reply().await.unwrap(), "550 5.1.1 No such user");
        assert!(client.reply().await.unwrap().starts_with("354"));
        let reply = client.command(&format!("message {transaction}\r\n.")).await;
        let expected = if transaction == 0 {
            "250 2.0.0 Queued"
        } else {
            "451 4.3.0 Try later"
        };
        assert_eq!(reply, expected);
    }
    let messages = server.wait_for_messages(2, WAIT).await.unwrap();
    assert_eq!(server.connections(), 1);
    assert_eq!((messages[0].transaction, messages[1].transaction), (0, 1));
    assert_eq!(messages[1].mail_from, "");
    assert_eq!(messages[1].accepted_recipients(), vec!["ok@dst.test"]);
    assert_eq!(messages[1].data_text(), "message 1\r\n");
}

#[tokio::test]
async fn error_greeting_and_rejected_ehlo_and_helo() {
    let server = SmtpServer::start(SmtpBehavior::new().greeting("554 5.3.2 Not now")).await;
    let mut client = RawClient::connect(server.addr()).await;
    assert_eq!(client.reply().await.unwrap(), "554 5.3.2 Not now");

    let behavior = SmtpBehavior::new()
        .reject_ehlo("502 5.5.1 No EHLO")
        .reject_helo("550 5.7.1 Go away");
    let server = SmtpServer::start(behavior).await;
    let mut client = RawClient::connect(server.addr()).await;
    client.reply().await.unwrap();
    assert_eq!(client.command("EHLO relay.test").await, "502 5.5.1 No EHLO");
    assert_eq!(client.command("HELO relay.test").await, "550 5.7.1 Go away");
}

#[tokio::test]
async fn starttls_with_the_tests_certificate_then_a_message_over_tls() {
    let ca = TestCa::new();
    let cert = ca.issue(&["mx.test"]);
    let server = SmtpServer::start(SmtpBehavior::new().starttls(cert.server_config())).await;
    let mut client = RawClient::connect(server.addr()).await;
    client.reply().await.unwrap();
    assert!(
        client
            .command("EHLO relay.test")
            .await
            .contains("250-STARTTLS")
    );
    assert!(client.command("STARTTLS").await.starts_with("220"));

    let config = rustls::ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(ca.root_store())
        .with_no_client_auth();
    let tcp = client.conn.into_inner();
    let name = ServerName::try_from("mx.test").unwrap();
    let tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    let mut client = RawClient {
        conn: BufReader::new(tls),
    };
    assert!(!client.command("EHLO relay.test").await.contains("STARTTLS"));
    client.command("MAIL FROM:<a@src.test>").await;
    client.command("RCPT TO:<b@dst.test>").await;
    client.command("DATA").await;
    assert!(client.command("secret\r\n.").await.starts_with("250"));

    let messages = server.wait_for_messages(1, WAIT).await.unwrap();
    assert!(messages[0].tls);
    assert!(server.sessions()[0].tls);
}

#[tokio::test]
async fn refused_starttls_gets_the_given_reply() {
    let server =
        SmtpServer::start(SmtpBehavior::new().refuse_starttls("454 4.7.0 TLS not available")).await;
    let mut client = RawClient::connect(server.addr()).await;
    client.reply().await.unwrap();
    assert!(client.command("EHLO relay.test").await.contains("STARTTLS"));
    assert_eq!(
        client.command("STARTTLS").await,
        "454 4.7.0 TLS not available"
    );
}

#[tokio::test]
async fn starttls_not_offered_is_absent_from_ehlo() {
    let server = SmtpServer::start(SmtpBehavior::new()).await;
    let mut client = RawClient::connect(server.addr()).await;
    client.reply().await.unwrap();
    assert!(!client.command("EHLO relay.test").await.contains("STARTTLS"));
    assert!(client.command("STARTTLS").await.starts_with("502"));
}

/// Sends a whole transaction up to the point where the server strikes.
async fn converse_until_fault(server: &SmtpServer) -> std::io::Result<String> {
    let mut client = RawClient::connect(server.addr()).await;
    let mut last = client.reply().await?;
    for line in [
        "EHLO relay.test",
        "MAIL FROM:<a@src.test>",
        "RCPT TO:<b@dst.test>",
        "DATA",
        "body\r\n.",
    ] {
        if last.is_empty() {
            return Ok(last);
        }
        client.send(&format!("{line}\r\n")).await;
        last = client.reply().await?;
    }
    Ok(last)
}

#[tokio::test]
async fn close_before_greeting_and_after_greeting() {
    for point in [
        FaultPoint::BeforeGreeting,
        FaultPoint::AfterGreeting,
        FaultPoint::AfterEhlo,
    ] {
        let server = SmtpServer::start(SmtpBehavior::new().fault(point, FaultAction::Close)).await;
        let mut client = RawClient::connect(server.addr()).await;
        let greeting = client.reply().await.unwrap();
        assert_eq!(
            greeting.is_empty(),
            point == FaultPoint::BeforeGreeting,
            "{point:?}"
        );
        if point != FaultPoint::BeforeGreeting {
            let ehlo = client.command("EHLO relay.test").await;
            assert_eq!(
                ehlo.is_empty(),
                point == FaultPoint::AfterGreeting,
                "{point:?}"
            );
            assert_eq!(
                client.command("MAIL FROM:<a@src.test>").await,
                "",
                "{point:?}"
            );
        }
    }
}

#[tokio::test]
async fn close_after_the_final_dot_records_the_message_without_a_reply() {
    let behavior = SmtpBehavior::new().fault(FaultPoint::AfterFinalDot, FaultAction::Close);
    let server = SmtpServer::start(behavior).await;
    assert_eq!(converse_until_fault(&server).await.unwrap(), "");
    let messages = server.wait_for_messages(1, WAIT).await.unwrap();
    assert_eq!(messages[0].final_reply, None);
    assert_eq!(messages[0].data_text(), "body\r\n");
}

#[tokio::test]
async fn reset_during_data_records_nothing() {
    let behavior = SmtpBehavior::new().fault(FaultPoint::DuringData, FaultAction::Reset);
    let server = SmtpServer::start(behavior).await;
    let mut client = RawClient::connect(server.addr()).await;
    client.reply().await.unwrap();
    client.command("EHLO relay.test").await;
    client.command("MAIL FROM:<a@src.test>").await;
    client.command("RCPT TO:<b@dst.test>").await;
    client.command("DATA").await;
    client.send("first line\r\n").await;
    let error = client.reply().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectionReset);
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn hang_after_mail_leaves_the_next_command_unanswered() {
    let behavior = SmtpBehavior::new().fault(FaultPoint::AfterMail, FaultAction::Hang);
    let server = SmtpServer::start(behavior).await;
    let mut client = RawClient::connect(server.addr()).await;
    client.reply().await.unwrap();
    client.command("EHLO relay.test").await;
    assert!(
        client
            .command("MAIL FROM:<a@src.test>")
            .await
            .starts_with("250")
    );
    client.send("RCPT TO:<b@dst.test>\r\n").await;
    let waited = tokio::time::timeout(Duration::from_millis(200), client.reply()).await;
    assert!(waited.is_err(), "the server answered: {waited:?}");
    server.stop();
    let after_stop = tokio::time::timeout(WAIT, client.reply()).await.unwrap();
    assert!(
        matches!(after_stop.as_deref(), Ok("") | Err(_)),
        "{after_stop:?}"
    );
}

#[tokio::test]
async fn a_fault_in_the_second_transaction_spares_the_first() {
    let behavior = SmtpBehavior::new().fault_in(FaultPoint::AfterFinalDot, FaultAction::Close, 1);
    let server = SmtpServer::start(behavior).await;
    let mut client = RawClient::connect(server.addr()).await;
    client.reply().await.unwrap();
    client.command("EHLO relay.test").await;
    for expected in ["250 2.0.0 Queued", ""] {
        client.command("MAIL FROM:<a@src.test>").await;
        client.command("RCPT TO:<b@dst.test>").await;
        client.command("DATA").await;
        assert_eq!(client.command("body\r\n.").await, expected);
    }
    assert_eq!(server.wait_for_messages(2, WAIT).await.unwrap().len(), 2);
}

#[tokio::test]
async fn behaviour_changes_apply_to_new_connections_and_waits_are_bounded() {
    let server = SmtpServer::start(SmtpBehavior::new().greeting("421 4.3.2 Busy")).await;
    let mut first = RawClient::connect(server.addr()).await;
    assert_eq!(first.reply().await.unwrap(), "421 4.3.2 Busy");
    server.set_behavior(SmtpBehavior::new());
    let mut second = RawClient::connect(server.addr()).await;
    assert!(second.reply().await.unwrap().starts_with("220"));
    server.wait_for_connections(2, WAIT).await.unwrap();
    let error = server
        .wait_for_messages(1, Duration::from_millis(50))
        .await
        .unwrap_err();
    assert_eq!((error.expected, error.seen), (1, 0));
}
