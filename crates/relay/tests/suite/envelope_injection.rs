//! An outside sender cannot reach an address outside the accepted domain
//! through the on-premises server: addresses are read strictly, those that
//! cannot be carried are refused at `MAIL`/`RCPT`, and the rest reach the
//! next hop written by the one address encoder, so even a next hop that
//! reads paths carelessly (as the scripted one here does: up to the first
//! `>`) sees only the accepted domain's mailboxes.

use mailflow_testkit::smtp_server::{SmtpBehavior, SmtpServer};
use mailflow_testnode::submit::queue_id;
use mailflow_testnode::{TestNode, org, settings, unused_addr};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

/// A client outside the trusted networks: replies in order, one per line.
struct Client {
    read: BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: tokio::net::tcp::OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> Client {
        let (read, write) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut client = Client {
            read: BufReader::new(read),
            write,
        };
        assert!(client.reply().await.starts_with("220"));
        client
    }

    async fn say(&mut self, line: &str) -> String {
        self.write
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }

    async fn reply(&mut self) -> String {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            assert!(self.read.read_line(&mut line).await.unwrap() > 0);
            text.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return text;
            }
        }
    }
}

#[tokio::test]
async fn the_injection_probe_is_refused_and_nothing_leaves_the_accepted_domain() {
    let onprem = SmtpServer::start(SmtpBehavior::new().extension("DSN")).await;
    let mut settings = settings();
    settings.receive.trusted_networks = vec!["192.0.2.0/24".parse().unwrap()];
    let node = TestNode::start(org(onprem.addr(), unused_addr()), settings).await;

    let mut client = Client::connect(node.smtp).await;
    client.say("EHLO outsider.example").await;
    let injected_sender = client
        .say("MAIL FROM:<\"bounce@victim.example> RET=FULL\"@outsider.example> SIZE=100")
        .await;
    assert!(
        injected_sender.starts_with("553 5.1.7"),
        "{injected_sender}"
    );
    assert!(!injected_sender.contains("RET=FULL@"), "{injected_sender}");
    assert!(
        client
            .say("MAIL FROM:<a@ext.example>")
            .await
            .starts_with("250")
    );
    let probe = client
        .say("RCPT TO:<\"v@ext.example> ORCPT=rfc822;x\"@contoso.test> NOTIFY=FAILURE")
        .await;
    assert!(probe.starts_with("553 5.1.3"), "{probe}");
    assert!(!probe.contains("v@ext.example>"), "{probe}");
    for (path, reply) in [
        ("<\"v@ext.example\"@contoso.test>", "553 5.1.3"),
        ("<v@ext.example@contoso.test>", "501"),
        ("<\"v\"@ext.example\"@contoso.test>", "501"),
        ("<v%ext.example@contoso.test>", "250 2.1.5"),
        ("<ext.example!v@contoso.test>", "250 2.1.5"),
        ("<@ext.example:w@contoso.test>", "250 2.1.5"),
        ("<\"john smith\"@contoso.test>", "250 2.1.5"),
    ] {
        let answer = client.say(&format!("RCPT TO:{path}")).await;
        assert!(answer.starts_with(reply), "{path}: {answer}");
    }
    assert!(client.say("DATA").await.starts_with("354"));
    let queued = client.say("Subject: probe\r\n\r\nhello\r\n.").await;
    assert!(queued.starts_with("250"), "{queued}");
    let _ = queue_id(&queued);

    onprem.wait_for_messages(1, WAIT).await.unwrap();
    let received = &onprem.messages()[0];
    assert_eq!(
        received.accepted_recipients(),
        [
            "v%ext.example@contoso.test",
            "ext.example!v@contoso.test",
            "w@contoso.test",
            "\"john smith\"@contoso.test",
        ]
    );
    for recipient in &received.recipients {
        assert!(
            recipient.address.ends_with("@contoso.test"),
            "{recipient:?}"
        );
        assert!(
            recipient.params.iter().all(|p| !p.starts_with("ORCPT")),
            "{recipient:?}"
        );
    }
    assert_eq!(received.mail_from, "a@ext.example");
    node.stop().await;
}
