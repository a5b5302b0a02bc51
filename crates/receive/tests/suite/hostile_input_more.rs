//! More hostile input over a real socket, beyond `hostile_input.rs`: 8-bit
//! bytes in commands, over-long header lines and huge header blocks in DATA,
//! pipelining abuse (the message pipelined behind a refused DATA, hundreds
//! of commands in one write, commands after QUIT), thousands of recipients,
//! and DATA that never ends. Each gets its reply, nothing refused or cut
//! short is stored, and afterwards a fresh connection still completes a
//! normal transaction.

use crate::common::{Client, Harness, queued_id, settings};
use mailflow_core::MessageId;
use mailflow_receive::ReceiveSettings;
use mailflow_store::{MessageFilter, OperatorStore, SqliteOptions, StoredMessage};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Join, Sink};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::task::JoinHandle;

/// How long a test waits for the server to close a connection.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

fn addresses(message: &StoredMessage) -> Vec<&str> {
    message
        .recipients
        .iter()
        .map(|r| r.address.as_str())
        .collect()
}

/// The server is still healthy: a fresh connection completes a normal
/// transaction, and the message is stored as sent.
async fn healthy(harness: &Harness) -> MessageId {
    let mut client = harness.mail_from_carol().await;
    client
        .expect("RCPT TO:<bob@contoso.test>", "250 2.1.5")
        .await;
    let message = "Subject: still here\r\n\r\nafter the attack\r\n";
    let id = queued_id(&client.data(message).await);
    let stored = harness.message(id).await;
    assert_eq!(stored.sender, "carol@fabrikam.test");
    assert_eq!(addresses(&stored), ["bob@contoso.test"]);
    assert!(harness.body(id).await.ends_with(message));
    client.expect("QUIT", "221 2.0.0").await;
    assert!(client.closed_by_server().await);
    id
}

/// Everything the server still sends until it closes the connection. A
/// reset after the server's last bytes counts as closed.
async fn rest_until_closed(mut stream: TcpStream) -> String {
    let mut rest = Vec::new();
    let read = tokio::time::timeout(CLOSE_WAIT, stream.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection in time");
    if let Err(error) = read {
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset, "{error}");
    }
    String::from_utf8(rest).expect("replies are ASCII")
}

/// Lines of `rest_until_closed`, CRLFs removed.
fn reply_lines(rest: &str) -> Vec<&str> {
    assert!(rest.is_empty() || rest.ends_with("\r\n"), "{rest:?}");
    rest.split_terminator("\r\n").collect()
}

/// A connection past EHLO whose replies are read while a spawned task
/// writes: a batch far bigger than the socket buffers cannot dead-lock the
/// test against a server that answers as it reads.
struct Split {
    replies: Client<Join<OwnedReadHalf, Sink>>,
    write: OwnedWriteHalf,
}

impl Split {
    async fn open(harness: &Harness) -> Split {
        let stream = harness.ehlo().await.into_stream();
        let (read, write) = stream.into_split();
        Split {
            replies: Client::over(tokio::io::join(read, tokio::io::sink())),
            write,
        }
    }

    /// Writes `batch` in one write from another task; the write half comes
    /// back when all of it is written.
    fn write_batch(self, batch: Vec<u8>) -> (Client<Join<OwnedReadHalf, Sink>>, Writing) {
        let mut write = self.write;
        let writing = tokio::spawn(async move {
            write.write_all(&batch).await.unwrap();
            write
        });
        (self.replies, writing)
    }
}

type Writing = JoinHandle<OwnedWriteHalf>;

fn with_settings(change: impl FnOnce(&mut ReceiveSettings)) -> ReceiveSettings {
    let mut settings = settings();
    change(&mut settings);
    settings
}

// 1. 8-bit bytes in commands.

const NOT_UTF8: &str = "500 5.5.2 command is not valid UTF-8";

#[tokio::test]
async fn eight_bit_bytes_in_commands_get_500_5_5_2_and_change_nothing() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;

    // An EHLO that cannot be decoded greets nothing: MAIL still needs EHLO.
    client.send(b"EHLO \xff\xfe.client.test\r\n").await;
    assert_eq!(client.reply().await, NOT_UTF8);
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "503 5.5.1")
        .await;
    client.expect("EHLO client.test", "250").await;

    // A sender with a Latin-1 byte starts no transaction.
    client.send(b"MAIL FROM:<caf\xe9@fabrikam.test>\r\n").await;
    assert_eq!(client.reply().await, NOT_UTF8);
    client
        .expect("RCPT TO:<alice@contoso.test>", "503 5.5.1")
        .await;
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250 2.1.0")
        .await;

    // Recipients with a lone continuation byte, a truncated sequence and an
    // overlong encoding of `/` add no recipient; unknown verbs in 8-bit are
    // refused the same way.
    for bad in [
        &b"RCPT TO:<\x80@contoso.test>\r\n"[..],
        b"RCPT TO:<alice\xc3@contoso.test>\r\n",
        b"RCPT TO:<\xc0\xafalice@contoso.test>\r\n",
        b"\xff\xfe\xfd\r\n",
        b"M\xc1IL FROM:<carol@fabrikam.test>\r\n",
    ] {
        client.send(bad).await;
        assert_eq!(client.reply().await, NOT_UTF8, "{bad:?}");
    }
    client
        .expect("RCPT TO:<alice@contoso.test>", "250 2.1.5")
        .await;
    let id = queued_id(&client.data("Subject: fine\r\n\r\nhi\r\n").await);
    let stored = harness.message(id).await;
    assert_eq!(stored.sender, "carol@fabrikam.test");
    assert_eq!(addresses(&stored), ["alice@contoso.test"]);
    assert_eq!(harness.messages().await.len(), 1);
    healthy(&harness).await;
    harness.stop().await;
}

#[tokio::test]
async fn an_eight_bit_command_inside_a_pipelined_batch_keeps_the_replies_in_step() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    client
        .send(b"MAIL FROM:<carol@fabrikam.test>\r\nRCPT TO:<\xe4@contoso.test>\r\nRCPT TO:<alice@contoso.test>\r\nDATA\r\n")
        .await;
    assert!(client.reply().await.starts_with("250 2.1.0"));
    assert_eq!(client.reply().await, NOT_UTF8);
    assert!(client.reply().await.starts_with("250 2.1.5"));
    assert!(client.reply().await.starts_with("354 "));
    client.send(b"Subject: batch\r\n\r\nhi\r\n.\r\n").await;
    let id = queued_id(&client.reply().await);
    assert_eq!(
        addresses(&harness.message(id).await),
        ["alice@contoso.test"]
    );
    healthy(&harness).await;
    harness.stop().await;
}

/// Valid UTF-8 is another matter (RFC 6531): refused with `553 5.6.7`
/// without `SMTPUTF8`, taken with it.
#[tokio::test]
async fn utf8_addresses_need_smtputf8_and_are_taken_with_it() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    client
        .expect("MAIL FROM:<jos\u{e9}@fabrikam.test>", "553 5.6.7")
        .await;
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250 2.1.0")
        .await;
    client
        .expect("RCPT TO:<j\u{fc}rgen@hybrid.test>", "553 5.6.7")
        .await;
    client.expect("RSET", "250 2.0.0").await;
    client
        .expect("MAIL FROM:<jos\u{e9}@fabrikam.test> SMTPUTF8", "250 2.1.0")
        .await;
    client
        .expect("RCPT TO:<j\u{fc}rgen@hybrid.test>", "250 2.1.5")
        .await;
    let id = queued_id(&client.data("Subject: hall\u{e5}\r\n\r\nhej\r\n").await);
    let stored = harness.message(id).await;
    assert_eq!(stored.sender, "jos\u{e9}@fabrikam.test");
    assert_eq!(addresses(&stored), ["j\u{fc}rgen@hybrid.test"]);
    assert!(harness.body(id).await.contains("with UTF8SMTP id"));
    healthy(&harness).await;
    harness.stop().await;
}

// 2. Over-long header lines and huge header blocks in DATA.

/// Message and header block limits of 1 MB each, so that only the line
/// itself is at stake.
fn roomy() -> ReceiveSettings {
    with_settings(|s| {
        s.max_message_size = 1_000_000;
        s.max_header_size = 1_000_000;
    })
}

const LINE_TOO_LONG: &str = "554 5.6.0 message refused: line too long (more than 998 characters); \
     encode the content, e.g. quoted-printable or base64";

/// A line of a message's data may have 998 characters (RFC 5322 2.1.1;
/// RFC 5321 4.5.3.1.6: 1000 with the CRLF). A longer one, here a 100 KB
/// header line within every other limit, is read to the end of the data
/// and the message refused with `554 5.6.0`; nothing of it is stored, and
/// the session goes on in step.
#[tokio::test]
async fn a_100_kb_header_line_gets_554_5_6_0_line_too_long_and_nothing_is_stored() {
    let harness = Harness::start_with(roomy(), SqliteOptions::default()).await;
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    let line = format!("X-Long: {}", "a".repeat(100_000));
    let message = format!("Subject: long\r\n{line}\r\n\r\nbody\r\n");
    assert_eq!(client.data(&message).await, LINE_TOO_LONG);
    client.expect("NOOP", "250 2.0.0").await;
    assert!(harness.messages().await.is_empty());
    healthy(&harness).await;
    harness.stop().await;
}

/// 998 characters are taken, 999 are not; a stuffed dot is not counted.
#[tokio::test]
async fn a_line_of_998_characters_is_taken_and_one_of_999_refused() {
    let harness = Harness::start_with(roomy(), SqliteOptions::default()).await;
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    let longest = format!(
        "Subject: x\r\n\r\n{}\r\n..{}\r\n",
        "a".repeat(998),
        "b".repeat(997)
    );
    let id = queued_id(&client.data(&longest).await);
    assert!(harness.body(id).await.contains(&"a".repeat(998)));

    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250")
        .await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    let one_more = format!("Subject: x\r\n\r\n{}\r\n", "a".repeat(999));
    assert_eq!(client.data(&one_more).await, LINE_TOO_LONG);
    assert_eq!(harness.messages().await.len(), 1);
    harness.stop().await;
}

/// The probe that found it: a 5 MB single line in the body of a message
/// within the size limit was taken and relayed. It is read to its end
/// and refused (the scanner keeps none of it: see its unit tests).
#[tokio::test]
async fn a_5_mb_single_line_is_read_to_its_end_refused_and_nothing_is_stored() {
    let settings = with_settings(|s| {
        s.max_message_size = 10 * 1024 * 1024;
        s.max_header_size = 1_000_000;
    });
    let harness = Harness::start_with(settings, SqliteOptions::default()).await;
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    client.expect("DATA", "354").await;
    client.send(b"Subject: one line\r\n\r\n").await;
    let piece = vec![b'x'; 1024 * 1024];
    for _ in 0..5 {
        client.send(&piece).await;
    }
    client.send(b"\r\n.\r\n").await;
    assert_eq!(client.reply().await, LINE_TOO_LONG);
    assert_eq!(harness.receiver.receiving_memory(), 0);
    client.expect("NOOP", "250 2.0.0").await;
    assert!(harness.messages().await.is_empty());
    healthy(&harness).await;
    harness.stop().await;
}

#[tokio::test]
async fn a_100_kb_header_line_over_the_size_limit_gets_552_5_3_4_and_nothing_is_stored() {
    let harness = Harness::start().await; // 10,000-byte messages
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    let message = format!(
        "Subject: long\r\nX-Long: {}\r\n\r\nbody\r\n",
        "a".repeat(100_000)
    );
    let reply = client.data(&message).await;
    assert!(reply.starts_with("552 5.3.4"), "{reply}");
    client.expect("NOOP", "250 2.0.0").await;
    assert!(harness.messages().await.is_empty());
    healthy(&harness).await;
    harness.stop().await;
}

/// A header block over `max_header_size` is read to the end of the data
/// and refused with `552 5.3.4`, nothing stored; the session goes on. The
/// same bytes in the body are taken.
#[tokio::test]
async fn a_header_block_over_its_limit_gets_552_5_3_4_and_nothing_is_stored() {
    let settings = with_settings(|s| {
        s.max_message_size = 1_000_000;
        s.max_header_size = 64 * 1024;
    });
    let harness = Harness::start_with(settings, SqliteOptions::default()).await;
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    // 100 KB in lines of 100 characters: a folded header, then a body.
    let long = format!("{}\r\n", "a".repeat(98)).repeat(1000);
    let folded = long.replace("\r\na", "\r\n\ta");
    let reply = client
        .data(&format!("Subject: long\r\nX-Long: {folded}\r\nbody\r\n"))
        .await;
    assert_eq!(
        reply,
        "552 5.3.4 message header exceeds fixed maximum header size (65536 bytes)"
    );
    assert!(harness.messages().await.is_empty());

    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250")
        .await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    let id = queued_id(
        &client
            .data(&format!("Subject: long body\r\n\r\n{long}"))
            .await,
    );
    assert!(harness.body(id).await.contains(&long));
    healthy(&harness).await;
    harness.stop().await;
}

/// 10,000 header lines (about 200 KB) within the limits are taken and
/// stored whole (there is no header-count limit, only the header block's
/// size); 10,000 `Received:` lines are a loop.
#[tokio::test]
async fn ten_thousand_header_lines_are_stored_whole_and_ten_thousand_received_lines_are_a_loop() {
    let harness = Harness::start_with(roomy(), SqliteOptions::default()).await;
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    let filler: String = (0..10_000)
        .map(|n| format!("X-Filler-{n}: value {n}\r\n"))
        .collect();
    let message = format!("Subject: wide\r\n{filler}\r\nbody\r\n");
    let started = Instant::now();
    let id = queued_id(&client.data(&message).await);
    let body = harness.body(id).await;
    assert!(body.ends_with(&message), "stored cut short or changed");
    assert_eq!(body.matches("\r\nX-Filler-").count(), 10_000);

    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250")
        .await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    let hops: String = (0..10_000)
        .map(|n| format!("Received: from hop{n}.test\r\n"))
        .collect();
    let reply = client
        .data(&format!("{hops}Subject: loop\r\n\r\nbody\r\n"))
        .await;
    assert!(reply.starts_with("554 5.4.6"), "{reply}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let ids: Vec<MessageId> = harness.messages().await.iter().map(|m| m.id).collect();
    assert_eq!(ids, [id], "only the first message is stored");
    healthy(&harness).await;
    harness.stop().await;
}

// 3. Pipelining abuse.

/// The client sends MAIL, a RCPT that is refused, DATA and the message in
/// one write, without waiting for `354`. DATA is refused, so what follows
/// is message content sent out of turn (RFC 2920 3.1: DATA ends a group).
/// Read as commands, the content below would start and complete a second,
/// forged transaction; instead the server answers DATA with `554 5.5.0`
/// and closes the connection, executing none of it.
#[tokio::test]
async fn a_message_pipelined_behind_a_refused_data_is_never_read_as_commands() {
    let harness = Harness::start().await;
    let mut stream = harness.ehlo().await.into_stream();
    let forged = "Subject: innocent\r\n\r\nRSET\r\nMAIL FROM:<ceo@contoso.test>\r\nRCPT TO:<alice@contoso.test>\r\nDATA\r\nSubject: forged\r\n\r\nforged\r\n.\r\nQUIT\r\n";
    let batch = format!(
        "MAIL FROM:<carol@fabrikam.test>\r\nRCPT TO:<mallory@contoso.test>\r\nDATA\r\n{forged}.\r\n"
    );
    stream.write_all(batch.as_bytes()).await.unwrap();
    let rest = rest_until_closed(stream).await;
    let lines = reply_lines(&rest);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("250 2.1.0"), "{lines:?}");
    assert!(lines[1].starts_with("550 5.1.10"), "{lines:?}");
    assert!(
        lines[2].starts_with("554 5.5.0") && lines[2].contains("no valid recipients"),
        "{lines:?}"
    );
    assert!(harness.messages().await.is_empty(), "something was stored");
    healthy(&harness).await;
    harness.stop().await;
}

/// The same out-of-turn content behind a DATA with no transaction at all.
#[tokio::test]
async fn content_pipelined_behind_data_without_mail_is_never_read_as_commands() {
    let harness = Harness::start().await;
    let mut stream = harness.ehlo().await.into_stream();
    stream
        .write_all(b"DATA\r\nMAIL FROM:<ceo@contoso.test>\r\nRCPT TO:<alice@contoso.test>\r\nDATA\r\nforged\r\n.\r\n")
        .await
        .unwrap();
    let rest = rest_until_closed(stream).await;
    let lines = reply_lines(&rest);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("554 5.5.0") && lines[0].contains("send MAIL first"),
        "{lines:?}"
    );
    assert!(harness.messages().await.is_empty());
    healthy(&harness).await;
    harness.stop().await;
}

/// A DATA that is accepted takes the content pipelined behind it as the
/// message, which is what the client meant: one message, stored whole, and
/// the QUIT after the final dot is a command again.
#[tokio::test]
async fn a_message_pipelined_behind_an_accepted_data_is_taken_as_the_message() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    let message = "Subject: eager\r\n\r\nRSET\r\nMAIL FROM:<ceo@contoso.test>\r\n";
    client
        .send(
            format!(
                "MAIL FROM:<carol@fabrikam.test>\r\nRCPT TO:<alice@contoso.test>\r\nDATA\r\n{message}.\r\nQUIT\r\n"
            )
            .as_bytes(),
        )
        .await;
    assert!(client.reply().await.starts_with("250 2.1.0"));
    assert!(client.reply().await.starts_with("250 2.1.5"));
    assert!(client.reply().await.starts_with("354 "));
    let id = queued_id(&client.reply().await);
    assert!(client.reply().await.starts_with("221 2.0.0"));
    assert!(client.closed_by_server().await);
    let stored = harness.message(id).await;
    assert_eq!(stored.sender, "carol@fabrikam.test");
    assert!(harness.body(id).await.ends_with(message));
    assert_eq!(harness.messages().await.len(), 1);
    healthy(&harness).await;
    harness.stop().await;
}

/// 300 MAIL/RSET pairs (600 commands, each MAIL naming its own sender) in
/// one write: 600 replies, in order, none lost or doubled. (300 RSETs
/// without a message are past the default allowance for commands that
/// move no mail; this session is allowed more.)
#[tokio::test]
async fn six_hundred_commands_in_one_write_are_answered_in_order() {
    let settings = ReceiveSettings {
        max_junk_commands: 1000,
        ..settings()
    };
    let harness = Harness::start_with(settings, SqliteOptions::default()).await;
    let split = Split::open(&harness).await;
    let batch: String = (0..300)
        .map(|n| format!("MAIL FROM:<sender{n}@fabrikam.test>\r\nRSET\r\n"))
        .chain(["NOOP\r\n".to_string()])
        .collect();
    let (mut replies, writing) = split.write_batch(batch.into_bytes());
    for n in 0..300 {
        assert_eq!(
            replies.reply().await,
            format!("250 2.1.0 sender <sender{n}@fabrikam.test> ok")
        );
        assert_eq!(replies.reply().await, "250 2.0.0 Ok", "RSET {n}");
    }
    assert_eq!(replies.reply().await, "250 2.0.0 Ok", "the final NOOP");
    let mut write = writing.await.unwrap();
    write.write_all(b"QUIT\r\n").await.unwrap();
    assert!(replies.reply().await.starts_with("221 2.0.0"));
    assert!(replies.closed_by_server().await);
    healthy(&harness).await;
    harness.stop().await;
}

/// A whole transaction pipelined behind QUIT is neither answered nor
/// executed: `221`, then the connection closes.
#[tokio::test]
async fn commands_after_quit_are_neither_answered_nor_executed() {
    let harness = Harness::start().await;
    let mut stream = harness.ehlo().await.into_stream();
    stream
        .write_all(b"QUIT\r\nMAIL FROM:<carol@fabrikam.test>\r\nRCPT TO:<alice@contoso.test>\r\nDATA\r\nSubject: late\r\n\r\nlate\r\n.\r\nNOOP\r\n")
        .await
        .unwrap();
    let rest = rest_until_closed(stream).await;
    assert_eq!(
        reply_lines(&rest),
        ["221 2.0.0 mx.mailflow.test closing connection"]
    );
    assert!(harness.messages().await.is_empty());
    healthy(&harness).await;
    harness.stop().await;
}

// 4. Thousands of recipients.

/// 5,000 RCPTs pipelined with MAIL and DATA in one write, at the default
/// limit of 1,000 recipients: the first 1,000 get `250 2.1.5`, the other
/// 4,000 `452 4.5.3`, DATA `354`, and the message is stored once with
/// exactly the first 1,000, all answered within seconds. (The overshoot is
/// raised to take them all; at its default the session would close at the
/// tenth `452` past it, see `abuse_limits.rs`.)
#[tokio::test]
async fn five_thousand_pipelined_recipients_stop_at_the_limit_and_the_message_is_stored_once() {
    const LIMIT: usize = 1000;
    const SENT: usize = 5000;
    let harness = Harness::start_with(
        with_settings(|s| {
            s.max_recipients = LIMIT;
            s.max_recipient_overshoot = SENT;
        }),
        SqliteOptions::default(),
    )
    .await;
    let split = Split::open(&harness).await;
    let batch: String = ["MAIL FROM:<carol@fabrikam.test>\r\n".to_string()]
        .into_iter()
        .chain((0..SENT).map(|n| format!("RCPT TO:<user{n}@hybrid.test>\r\n")))
        .chain(["DATA\r\n".to_string()])
        .collect();
    let started = Instant::now();
    let (mut replies, writing) = split.write_batch(batch.into_bytes());
    assert!(replies.reply().await.starts_with("250 2.1.0"));
    for n in 0..SENT {
        let reply = replies.reply().await;
        if n < LIMIT {
            assert_eq!(
                reply,
                format!("250 2.1.5 recipient <user{n}@hybrid.test> ok")
            );
        } else {
            assert_eq!(
                reply, "452 4.5.3 too many recipients: at most 1000 per message",
                "RCPT {n}"
            );
        }
    }
    assert!(replies.reply().await.starts_with("354 "));
    let answered = started.elapsed();
    let mut write = writing.await.unwrap();
    write
        .write_all(b"Subject: many\r\n\r\nhi\r\n.\r\n")
        .await
        .unwrap();
    let id = queued_id(&replies.reply().await);
    assert!(
        answered < Duration::from_secs(5),
        "5,000 RCPTs answered in {answered:?}"
    );
    let stored = harness.message(id).await;
    let expected: Vec<String> = (0..LIMIT).map(|n| format!("user{n}@hybrid.test")).collect();
    assert_eq!(addresses(&stored), expected);
    assert_eq!(harness.messages().await.len(), 1, "stored once");
    healthy(&harness).await;
    harness.stop().await;
}

// 5. DATA that never ends.

/// The client sends half a message and closes the connection: nothing is
/// stored, the session ends (stopping the server would otherwise wait out
/// the data time-out and fail), and new sessions are served meanwhile.
#[tokio::test]
async fn a_client_that_closes_in_the_middle_of_data_leaves_nothing_stored() {
    let harness = Harness::start().await; // data time-out 10 s
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    client.expect("DATA", "354").await;
    client
        .send(b"Subject: cut short\r\n\r\nthe first half of the bo")
        .await;
    drop(client);
    let kept = healthy(&harness).await;
    let ids: Vec<MessageId> = harness.messages().await.iter().map(|m| m.id).collect();
    assert_eq!(ids, [kept], "only the healthy message is stored");
    let store = harness.store.clone();
    let stopped = Instant::now();
    let _dir = harness.stop().await;
    assert!(
        stopped.elapsed() < Duration::from_secs(5),
        "a session outlived its client"
    );
    let filter = MessageFilter {
        limit: 10,
        ..Default::default()
    };
    assert_eq!(store.list_messages(&filter).await.unwrap().len(), 1);
}

/// The client sends half a message and goes silent: at the data time-out
/// the server answers `421 4.4.2` and closes, nothing is stored, and other
/// clients are served meanwhile and afterwards.
#[tokio::test]
async fn a_client_silent_in_the_middle_of_data_gets_421_4_4_2_and_nothing_is_stored() {
    let data_timeout = Duration::from_millis(400);
    let harness = Harness::start_with(
        with_settings(|s| s.data_timeout = data_timeout),
        SqliteOptions::default(),
    )
    .await;
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    client.expect("DATA", "354").await;
    let started = Instant::now();
    client
        .send(b"Subject: stalled\r\n\r\nthe first half of the bo")
        .await;
    let served_meanwhile = healthy(&harness).await;
    let reply = client.reply().await;
    let waited = started.elapsed();
    assert_eq!(
        reply,
        "421 4.4.2 mx.mailflow.test data time-out, closing connection"
    );
    assert!(waited >= data_timeout, "answered after {waited:?}");
    assert!(client.closed_by_server().await);
    let served_after = healthy(&harness).await;
    let mut ids: Vec<MessageId> = harness.messages().await.iter().map(|m| m.id).collect();
    ids.sort();
    let mut expected = vec![served_meanwhile, served_after];
    expected.sort();
    assert_eq!(ids, expected, "only the healthy messages are stored");
    harness.stop().await;
}
