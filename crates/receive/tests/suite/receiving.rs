//! Mail received over real loopback sockets into a real SQLite store:
//! extensions, routing at RCPT, what is stored, DSN parameters, pipelining.

use crate::common::{Harness, queued_id, settings};
use mailflow_core::{DsnEnvelope, DsnRecipient, Notify, Ret, Route};
use mailflow_store::SqliteOptions;
use std::time::Duration;

const MESSAGE: &str = "From: carol@fabrikam.test\r\nSubject: hello\r\n\r\nHi.\r\n";

fn route(connector: Option<&str>, domain: &str) -> Route {
    Route {
        connector: connector.map(str::to_string),
        domain: domain.into(),
    }
}

#[tokio::test]
async fn ehlo_advertises_the_extensions_and_no_starttls_or_auth() {
    let harness = Harness::start().await;
    let mut client = harness.connect().await;
    let reply = client.command("EHLO client.test").await;
    let lines: Vec<&str> = reply.lines().collect();
    assert_eq!(
        lines,
        [
            "250-mx.mailflow.test greets client.test",
            "250-PIPELINING",
            "250-SIZE 10000",
            "250-8BITMIME",
            "250-SMTPUTF8",
            "250-ENHANCEDSTATUSCODES",
            "250 DSN",
        ]
    );
    client
        .expect("HELO client.test", "250 mx.mailflow.test")
        .await;
    harness.stop().await;
}

#[tokio::test]
async fn accepted_message_is_stored_with_its_route_next_hop_and_received_header() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    client
        .expect("MAIL FROM:<carol@fabrikam.test>", "250 2.1.0")
        .await;
    client
        .expect("RCPT TO:<alice@contoso.test>", "250 2.1.5")
        .await;
    let id = queued_id(&client.data(MESSAGE).await);

    let stored = harness.message(id).await;
    assert_eq!(stored.sender, "carol@fabrikam.test");
    assert_eq!(stored.org, "default");
    assert_eq!(stored.received_at, harness_now(&harness));
    assert_eq!(
        stored.expires_at,
        stored.received_at + Duration::from_secs(24 * 3600)
    );
    let [recipient] = stored.recipients.as_slice() else {
        panic!("{:?}", stored.recipients)
    };
    assert_eq!(recipient.address, "alice@contoso.test");
    assert_eq!(recipient.route, route(Some("onprem"), "contoso.test"));
    assert_eq!(recipient.next_hop, "default/onprem");

    let body = harness.body(id).await;
    let expected_start = format!(
        "Received: from client.test ([127.0.0.1])\r\n\tby mx.mailflow.test (mailflow) with ESMTP id {id}\r\n\tfor <alice@contoso.test>;\r\n\t"
    );
    assert!(body.starts_with(&expected_start), "{body}");
    assert!(body.ends_with(MESSAGE), "{body}");
    client.expect("QUIT", "221 2.0.0").await;
    harness.stop().await;
}

fn harness_now(harness: &Harness) -> time::OffsetDateTime {
    use mailflow_core::Clock;
    harness.clock.now()
}

#[tokio::test]
async fn multiple_recipients_each_get_their_own_route() {
    let harness = Harness::start().await;
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    client
        .expect("RCPT TO:<nobody-known@hybrid.test>", "250")
        .await;
    client.expect("RCPT TO:<dave@fabrikam.test>", "250").await;
    client.expect("RCPT TO:<erin@elsewhere.test>", "250").await;
    let id = queued_id(&client.data(MESSAGE).await);

    let stored = harness.message(id).await;
    let routes: Vec<(&str, &Route, &str)> = stored
        .recipients
        .iter()
        .map(|r| (r.address.as_str(), &r.route, r.next_hop.as_str()))
        .collect();
    assert_eq!(
        routes,
        [
            (
                "alice@contoso.test",
                &route(Some("onprem"), "contoso.test"),
                "default/onprem"
            ),
            (
                "nobody-known@hybrid.test",
                &route(Some("onprem"), "hybrid.test"),
                "default/onprem"
            ),
            (
                "dave@fabrikam.test",
                &route(Some("fabrikam"), "fabrikam.test"),
                "default/fabrikam/fabrikam.test"
            ),
            (
                "erin@elsewhere.test",
                &route(None, "elsewhere.test"),
                "default/mx/elsewhere.test"
            ),
        ]
    );
    assert!(
        !harness.body(id).await.contains("\tfor <"),
        "no `for` with several recipients"
    );
    harness.stop().await;
}

#[tokio::test]
async fn unknown_recipient_of_an_authoritative_domain_is_refused_with_5_1_10() {
    let harness = Harness::start().await;
    let mut client = harness.mail_from_carol().await;
    client
        .expect("RCPT TO:<mallory@contoso.test>", "550 5.1.10")
        .await;
    client.expect("DATA", "503 5.5.1").await;
    assert!(harness.messages().await.is_empty());
    harness.stop().await;
}

#[tokio::test]
async fn internal_relay_domain_accepts_unknown_recipients() {
    let harness = Harness::start().await;
    let mut client = harness.mail_from_carol().await;
    client
        .expect("RCPT TO:<not-in-directory@hybrid.test>", "250 2.1.5")
        .await;
    let id = queued_id(&client.data(MESSAGE).await);
    assert_eq!(
        harness.message(id).await.recipients[0].next_hop,
        "default/onprem"
    );
    harness.stop().await;
}

#[tokio::test]
async fn untrusted_client_cannot_relay_but_can_send_to_accepted_domains() {
    let mut untrusted = settings();
    untrusted.trusted_networks = vec!["192.0.2.0/24".parse().unwrap()];
    let harness = Harness::start_with(untrusted, SqliteOptions::default()).await;
    let mut client = harness.mail_from_carol().await;
    client
        .expect("RCPT TO:<erin@elsewhere.test>", "550 5.7.1")
        .await;
    client
        .expect("RCPT TO:<dave@fabrikam.test>", "550 5.7.1")
        .await;
    client
        .expect("RCPT TO:<alice@contoso.test>", "250 2.1.5")
        .await;
    let id = queued_id(&client.data(MESSAGE).await);
    let stored = harness.message(id).await;
    assert_eq!(stored.recipients.len(), 1);
    assert_eq!(stored.recipients[0].address, "alice@contoso.test");
    harness.stop().await;
}

#[tokio::test]
async fn trusted_client_relays_to_other_domains_by_mx() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    client.expect("MAIL FROM:<alice@contoso.test>", "250").await;
    client
        .expect("RCPT TO:<erin@elsewhere.test>", "250 2.1.5")
        .await;
    let id = queued_id(&client.data(MESSAGE).await);
    assert_eq!(
        harness.message(id).await.recipients[0].next_hop,
        "default/mx/elsewhere.test"
    );
    harness.stop().await;
}

/// A client reaching an IPv6 socket over IPv4 shows as `::ffff:127.0.0.1`;
/// it is matched against the trusted networks as 127.0.0.1.
#[tokio::test]
async fn an_ipv4_client_on_an_ipv6_socket_is_trusted_by_its_ipv4_address() {
    let harness = Harness::start_on("[::ffff:127.0.0.1]:0", settings()).await;
    assert!(harness.addr.is_ipv6(), "listening on {}", harness.addr);
    let mut client = harness.ehlo().await;
    assert_eq!(
        client.local_ip(),
        "::ffff:127.0.0.1".parse::<std::net::IpAddr>().unwrap(),
        "the node sees a mapped address"
    );
    client.expect("MAIL FROM:<alice@contoso.test>", "250").await;
    client
        .expect("RCPT TO:<erin@elsewhere.test>", "250 2.1.5")
        .await;
    harness.stop().await;
}

#[tokio::test]
async fn dsn_parameters_are_stored() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    client
        .expect(
            "MAIL FROM:<carol@fabrikam.test> RET=HDRS ENVID=QQ314159",
            "250",
        )
        .await;
    client
        .expect(
            "RCPT TO:<alice@contoso.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Alice+40contoso.test",
            "250",
        )
        .await;
    client
        .expect("RCPT TO:<bob@contoso.test> NOTIFY=NEVER", "250")
        .await;
    client.expect("RCPT TO:<x@hybrid.test>", "250").await;
    let id = queued_id(&client.data(MESSAGE).await);

    let stored = harness.message(id).await;
    assert_eq!(
        stored.dsn,
        DsnEnvelope {
            ret: Some(Ret::Headers),
            envid: Some("QQ314159".into())
        }
    );
    let dsn: Vec<&DsnRecipient> = stored.recipients.iter().map(|r| &r.dsn).collect();
    assert_eq!(
        dsn,
        [
            &DsnRecipient {
                notify: Some(Notify {
                    success: true,
                    failure: true,
                    delay: false
                }),
                orcpt: Some("rfc822;Alice@contoso.test".into()),
            },
            &DsnRecipient {
                notify: Some(Notify::NEVER),
                orcpt: None
            },
            &DsnRecipient::default(),
        ]
    );
    harness.stop().await;
}

#[tokio::test]
async fn null_sender_is_accepted() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    client.expect("MAIL FROM:<>", "250 2.1.0").await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    let id = queued_id(&client.data(MESSAGE).await);
    assert_eq!(harness.message(id).await.sender, "");
    harness.stop().await;
}

#[tokio::test]
async fn accepting_a_message_wakes_the_scheduler() {
    let harness = Harness::start().await;
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    let waiter = harness.accepted.clone();
    let woken = tokio::spawn(async move { waiter.notified().await });
    queued_id(&client.data(MESSAGE).await);
    tokio::time::timeout(Duration::from_secs(5), woken)
        .await
        .expect("notified")
        .unwrap();
    harness.stop().await;
}

#[tokio::test]
async fn pipelined_transaction_in_one_write_is_answered_in_order() {
    let harness = Harness::start().await;
    let mut client = harness.ehlo().await;
    client
        .send(b"MAIL FROM:<carol@fabrikam.test>\r\nRCPT TO:<alice@contoso.test>\r\nRCPT TO:<mallory@contoso.test>\r\nRCPT TO:<bob@contoso.test>\r\nDATA\r\n")
        .await;
    assert!(client.reply().await.starts_with("250 2.1.0"));
    assert!(client.reply().await.starts_with("250 2.1.5"));
    assert!(client.reply().await.starts_with("550 5.1.10"));
    assert!(client.reply().await.starts_with("250 2.1.5"));
    assert!(client.reply().await.starts_with("354"));
    client
        .send(format!("{MESSAGE}.\r\nQUIT\r\n").as_bytes())
        .await;
    let id = queued_id(&client.reply().await);
    assert!(client.reply().await.starts_with("221"));
    assert_eq!(harness.message(id).await.recipients.len(), 2);
    harness.stop().await;
}

#[tokio::test]
async fn full_store_answers_452_4_3_1() {
    let harness = Harness::start_full(settings()).await;
    let mut client = harness.mail_from_carol().await;
    client.expect("RCPT TO:<alice@contoso.test>", "250").await;
    let lines = format!("{}\r\n", "x".repeat(88)).repeat(100);
    let big_enough_for_new_pages = format!("Subject: big\r\n\r\n{lines}");
    let reply = client.data(&big_enough_for_new_pages).await;
    assert!(reply.starts_with("452 4.3.1"), "{reply}");
    assert!(harness.messages().await.is_empty());
    harness.stop().await;
}
