//! End to end through a whole node: SMTP in, durable queue, delivery to
//! scripted next hops on loopback, per-recipient outcomes and reports.

use mailflow_core::RecipientState;
use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::{queue_id, send};
use mailflow_testnode::{TestNode, delivery_status, eventually, org, settings};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_message_is_relayed_through_its_connector() {
    let onprem = SmtpServer::start(SmtpBehavior::new()).await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings()).await;

    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        "Subject: hi\n\nhello\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    onprem.wait_for_messages(1, WAIT).await.unwrap();

    let received = &onprem.messages()[0];
    assert_eq!(received.mail_from, "bob@example.test");
    assert_eq!(received.accepted_recipients(), ["alice@contoso.test"]);
    let text = received.data_text();
    assert!(text.starts_with("Received: from client.test"), "{text}");
    assert!(text.contains("Subject: hi\r\n\r\nhello\r\n"), "{text}");
    let id = queue_id(&reply);
    eventually("the recipient is recorded as delivered", || async {
        node.message(&id).await.recipients[0].state == RecipientState::Delivered
    })
    .await;
    node.stop().await;
}

#[tokio::test]
async fn one_recipient_is_delivered_while_another_is_deferred_and_a_third_bounces() {
    let onprem = SmtpServer::start(
        SmtpBehavior::new()
            .rcpt_reply_for("bob@contoso.test", "451 4.2.1 mailbox busy")
            .rcpt_reply_for("carol@contoso.test", "550 5.1.1 no such user"),
    )
    .await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings()).await;

    let to = [
        "alice@contoso.test",
        "bob@contoso.test",
        "carol@contoso.test",
    ];
    let (code, reply) = send(
        node.smtp,
        "dave@example.test",
        &to,
        "Subject: three\n\nbody\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let id = queue_id(&reply);

    // The NDR for carol goes back to dave through the partner connector.
    partner.wait_for_messages(1, WAIT).await.unwrap();
    let ndr = &partner.messages()[0];
    assert_eq!(ndr.mail_from, "", "reports are sent from <>");
    assert_eq!(ndr.accepted_recipients(), ["dave@example.test"]);
    let status = delivery_status(&ndr.data);
    assert!(
        status.contains("Final-Recipient: rfc822; carol@contoso.test"),
        "{status}"
    );
    assert!(status.contains("Status: 5.1.1"), "{status}");
    assert!(
        !status.contains("bob@contoso.test"),
        "bob is only deferred: {status}"
    );

    let message = node.message(&id).await;
    let states: Vec<_> = message.recipients.iter().map(|r| r.state).collect();
    assert_eq!(
        states,
        [
            RecipientState::Delivered,
            RecipientState::Deferred,
            RecipientState::Failed
        ]
    );
    let bob = &message.recipients[1];
    assert_eq!(
        bob.last_error.as_ref().unwrap().diagnosis.reply(),
        "451 4.2.1 mailbox busy"
    );
    assert!(bob.next_attempt_at.unwrap() > node.now() + Duration::from_secs(50));
    node.stop().await;
}

#[tokio::test]
async fn a_refused_next_hop_is_retried_on_schedule_and_then_delivers() {
    let onprem_addr = mailflow_testkit::ports::refused_addr();
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(onprem_addr, partner.addr()), settings()).await;

    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        "Subject: x\n\ny\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    let id = queue_id(&reply);
    eventually("the first attempt is deferred with 4.4.316", || async {
        let message = node.message(&id).await;
        let recipient = &message.recipients[0];
        recipient.state == RecipientState::Deferred
            && recipient
                .last_error
                .as_ref()
                .is_some_and(|e| e.diagnosis.code().to_string() == "4.4.316")
    })
    .await;
    let recipient = node.message(&id).await.recipients[0].clone();
    let error = recipient.last_error.unwrap();
    assert_eq!(
        error.server.as_deref(),
        Some(onprem_addr.to_string().as_str())
    );
    assert_eq!(error.diagnosis.category().as_str(), "connection_refused");

    // The server comes back; nothing happens until the retry time.
    let onprem = SmtpServer::start_on(onprem_addr, SmtpBehavior::new()).await;
    node.advance(Duration::from_secs(30));
    node.advance(Duration::from_secs(34)); // past 1 minute plus the jitter
    onprem.wait_for_messages(1, WAIT).await.unwrap();
    eventually("the retry is recorded as delivered", || async {
        let message = node.message(&id).await;
        message.recipients[0].state == RecipientState::Delivered
            && message.recipients[0].attempts == 2
    })
    .await;
    node.stop().await;
}

#[tokio::test]
async fn a_held_next_hop_is_probed_with_one_message_and_then_drained() {
    let onprem =
        SmtpServer::start(SmtpBehavior::new().greeting("421 4.3.2 service not available")).await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings()).await;

    let (_, first) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        "Subject: 1\n\n1\n",
    )
    .await;
    let first = queue_id(&first);
    eventually("the first message is deferred with 4.4.317", || async {
        let recipient = &node.message(&first).await.recipients[0];
        recipient
            .last_error
            .as_ref()
            .is_some_and(|e| e.diagnosis.code().to_string() == "4.4.317")
    })
    .await;
    // While the hop is held, new mail waits with it instead of connecting.
    for n in 2..=3 {
        let (code, _) = send(
            node.smtp,
            "bob@example.test",
            &["alice@contoso.test"],
            &format!("Subject: {n}\n\n{n}\n"),
        )
        .await;
        assert_eq!(code, 250);
    }
    assert_eq!(onprem.connections(), 1);

    onprem.set_behavior(SmtpBehavior::new());
    node.advance(Duration::from_secs(64));
    onprem.wait_for_messages(3, WAIT).await.unwrap();
    let messages = onprem.messages();
    let probe = messages[0].connection;
    assert_eq!(
        messages.iter().filter(|m| m.connection == probe).count(),
        1,
        "the probe carries one message"
    );
    assert!(
        messages[1..].iter().all(|m| m.connection != probe),
        "the rest drain after the probe"
    );
    node.stop().await;
}

#[tokio::test]
async fn mail_routed_by_mx_reaches_the_domains_mail_server() {
    let dns = mailflow_testkit::dns_server::DnsServer::start().await;
    let mx = SmtpServer::start(SmtpBehavior::new()).await;
    dns.set_mx("faraway.test", &[(10, "mx1.faraway.test")]);
    dns.set_a("mx1.faraway.test", &[std::net::Ipv4Addr::LOCALHOST]);
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let mut settings = settings();
    settings.deliver.nameservers = vec![dns.addr()];
    settings.deliver.mx_port = mx.addr().port();
    let node = TestNode::start(
        org(mailflow_testkit::ports::refused_addr(), partner.addr()),
        settings,
    )
    .await;

    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["zoe@faraway.test"],
        "Subject: mx\n\nvia mx\n",
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    mx.wait_for_messages(1, WAIT).await.unwrap();
    assert_eq!(mx.messages()[0].accepted_recipients(), ["zoe@faraway.test"]);
    node.stop().await;
}

#[tokio::test]
async fn a_large_message_goes_from_the_spool_to_the_next_hop_byte_identical() {
    let onprem = SmtpServer::start(SmtpBehavior::new()).await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings()).await;
    // About 3 MB of lines, many of them starting with dots (a lone dot too),
    // so that stuffed lines fall across the pieces the body is sent in.
    let mut original = String::from("Subject: large\r\n\r\n");
    let mut number = 0u32;
    while original.len() < 3 * 1024 * 1024 {
        number += 1;
        let line = match number % 5 {
            0 => ".".to_string(),
            1 => format!(".line {number}"),
            2 => format!("..two dots {number}"),
            _ => format!("line {number} {}", "x".repeat(number as usize % 120)),
        };
        original.push_str(&line);
        original.push_str("\r\n");
    }
    let stuffed: String = original
        .split_inclusive("\r\n")
        .map(|line| match line.starts_with('.') {
            true => format!(".{line}"),
            false => line.to_string(),
        })
        .collect();

    let (code, reply) = send(
        node.smtp,
        "bob@example.test",
        &["alice@contoso.test"],
        &stuffed,
    )
    .await;
    assert_eq!(code, 250, "{reply}");
    onprem.wait_for_messages(1, WAIT).await.unwrap();

    // What the next hop read, un-stuffed: the node's Received: header,
    // then the message exactly as sent.
    let received = &onprem.messages()[0].data;
    assert!(received.starts_with(b"Received: "));
    assert!(
        received.ends_with(original.as_bytes()),
        "the body arrived changed ({} bytes received, {} sent)",
        received.len(),
        original.len()
    );
    node.stop().await;
}

#[tokio::test]
async fn an_eight_bit_body_goes_out_as_8bitmime_and_an_ascii_one_without() {
    let onprem = SmtpServer::start(SmtpBehavior::new()).await;
    let partner = SmtpServer::start(SmtpBehavior::new()).await;
    let node = TestNode::start(org(onprem.addr(), partner.addr()), settings()).await;

    for body in ["Subject: plain\n\nhello\n", "Subject: 8bit\n\ncaf\u{e9}\n"] {
        let (code, reply) =
            send(node.smtp, "bob@example.test", &["alice@contoso.test"], body).await;
        assert_eq!(code, 250, "{reply}");
    }
    onprem.wait_for_messages(2, WAIT).await.unwrap();

    for received in onprem.messages() {
        let eight_bit = !received.data.is_ascii();
        let announced = received.mail_params.iter().any(|p| p == "BODY=8BITMIME");
        assert_eq!(announced, eight_bit, "{:?}", received.mail_params);
    }
    assert_eq!(
        onprem
            .messages()
            .iter()
            .filter(|m| !m.data.is_ascii())
            .count(),
        1
    );
    node.stop().await;
}
