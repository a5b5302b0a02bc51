//! Hostile and malformed input over a real socket: SMTP smuggling, bare line
//! endings and NUL in commands, over-long lines, oversized messages, too
//! many recipients, mail loops. Each gets its documented reply, nothing
//! refused is stored, and the session stays in step afterwards.

use crate::common::{Client, Harness, queued_id};

async fn transaction(harness: &Harness) -> Client {
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    client
}

#[tokio::test]
async fn smuggling_sequences_are_refused_and_nothing_is_stored() {
    let harness = Harness::start().await;
    let smuggled = "MAIL FROM:<ceo@contoso.test>\r\nRCPT TO:<alice@contoso.test>\r\nDATA\r\nSubject: forged\r\n\r\nforged\r\n";
    let endings = [
        "\n.\n",
        "\r.\r",
        "\n.\r\n",
        "\r\n.\n",
        "\r.\r\n",
        "\r\n.\r\r\n",
    ];
    for ending in endings {
        let mut client = transaction(&harness).await;
        client.expect("DATA", "354").await;
        let attack = format!("Subject: real\r\n\r\nreal{ending}{smuggled}.\r\n");
        client.send(attack.as_bytes()).await;
        let reply = client.reply().await;
        assert!(reply.starts_with("554 5.6.0"), "{ending:?}: {reply}");
        client.expect("NOOP", "250 2.0.0").await;
    }
    assert!(
        harness.messages().await.is_empty(),
        "a smuggled or refused message was stored"
    );
    harness.stop().await;
}

#[tokio::test]
async fn bare_lf_bare_cr_and_nul_in_commands_are_refused() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    for bad in [&b"NOOP\n"[..], b"NO\rOP\r\n", b"NO\0OP\r\n"] {
        client.send(bad).await;
        let reply = client.reply().await;
        assert!(reply.starts_with("500 5.5.2"), "{bad:?}: {reply}");
    }
    client.expect("NOOP", "250").await;
    harness.stop().await;
}

#[tokio::test]
async fn over_long_command_line_is_refused_and_discarded() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    let long = format!("NOOP {}", "x".repeat(2000));
    client.expect(&long, "500 5.5.6 line too long").await;
    client.expect("NOOP", "250").await;
    harness.stop().await;
}

#[tokio::test]
async fn declared_size_over_the_limit_is_refused() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    client
        .expect("MAIL FROM:<carol@fabrikam.test> SIZE=20000", "552 5.3.4")
        .await;
    harness.stop().await;
}

#[tokio::test]
async fn message_over_the_limit_is_read_to_its_end_refused_and_not_stored() {
    let harness = Harness::start().await;
    let mut client = transaction(&harness).await;
    // 12,000 bytes in lines of 100 characters: too big, whatever its lines.
    let body = format!("{}\r\n", "0123456789".repeat(10)).repeat(117);
    let reply = client.data(&format!("Subject: big\r\n\r\n{body}")).await;
    assert!(reply.starts_with("552 5.3.4"), "{reply}");
    client.expect("NOOP", "250").await;
    assert!(harness.messages().await.is_empty());
    harness.stop().await;
}

#[tokio::test]
async fn recipients_past_the_limit_get_452_4_5_3() {
    let harness = Harness::start().await;
    let mut client = harness.full_envelope().await;
    client
        .expect("RCPT TO:<user5@hybrid.test>", "452 4.5.3")
        .await;
    let id = queued_id(&client.data("Subject: many\r\n\r\nhi\r\n").await);
    assert_eq!(harness.message(id).await.recipients.len(), 5);
    harness.stop().await;
}

#[tokio::test]
async fn too_many_received_headers_is_a_loop() {
    let harness = Harness::start().await;
    let mut client = transaction(&harness).await;
    let hops: String = (0..31)
        .map(|n| format!("Received: from hop{n}.test by hop{n}.test\r\n"))
        .collect();
    let reply = client
        .data(&format!(
            "{hops}Subject: looping\r\n\r\nround and round\r\n"
        ))
        .await;
    assert!(reply.starts_with("554 5.4.6"), "{reply}");
    assert!(harness.messages().await.is_empty());
    harness.stop().await;
}

#[tokio::test]
async fn received_headers_at_the_limit_are_not_a_loop() {
    let harness = Harness::start().await;
    let mut client = transaction(&harness).await;
    let hops: String = (0..30)
        .map(|n| format!("Received: from hop{n}.test\r\n"))
        .collect();
    queued_id(
        &client
            .data(&format!("{hops}Subject: long way\r\n\r\nhi\r\n"))
            .await,
    );
    harness.stop().await;
}

#[tokio::test]
async fn dot_stuffed_lines_are_stored_unstuffed() {
    let harness = Harness::start().await;
    let mut client = transaction(&harness).await;
    let id = queued_id(&client.data("Subject: dots\r\n\r\n..leading dot\r\n").await);
    assert!(harness.body(id).await.ends_with("\r\n\r\n.leading dot\r\n"));
    harness.stop().await;
}
