//! The invalid-recipient quota over real SMTP on loopback: past the quota
//! the sources of unknown recipients get `450 4.7.1`, mail to known
//! recipients keeps flowing (from them and from other clients), and the
//! hour rolls on the injected clock.

mod harness;

use harness::Harness;
use mailflow_core::Clock;
use mailflow_store::{AlertSettings, Store};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

const QUOTA: u64 = 3;
const WAIT: Duration = Duration::from_secs(5);

/// A plain client connected from `from` (any 127.0.0.0/8 address).
struct Peer(BufReader<TcpStream>);

impl Peer {
    async fn connect(server: SocketAddr, from: &str) -> Peer {
        let socket = TcpSocket::new_v4().unwrap();
        socket
            .bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0))
            .unwrap();
        let stream = socket.connect(server).await.unwrap();
        let mut peer = Peer(BufReader::new(stream));
        assert!(peer.reply().await.starts_with("220 "));
        peer.command("EHLO client.test").await;
        peer
    }

    /// The last line of the next reply.
    async fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            tokio::time::timeout(WAIT, self.0.read_line(&mut line))
                .await
                .unwrap()
                .unwrap();
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.trim_end().to_string();
            }
        }
    }

    async fn command(&mut self, line: &str) -> String {
        self.0
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }
}

async fn with_quota(h: &Harness) {
    let settings = AlertSettings {
        invalid_recipient_quota: Some(QUOTA),
        ..AlertSettings::default()
    };
    h.store
        .save_alert_settings("default", &settings)
        .await
        .unwrap();
}

#[tokio::test]
async fn past_the_quota_the_source_gets_450_and_known_recipients_still_flow() {
    let h = Harness::start().await;
    with_quota(&h).await;
    let mut harvester = Peer::connect(h.addr, "127.0.0.1").await;
    assert!(
        harvester
            .command("MAIL FROM:<x@fabrikam.test>")
            .await
            .starts_with("250")
    );
    for n in 0..QUOTA {
        let reply = harvester
            .command(&format!("RCPT TO:<guess{n}@contoso.test>"))
            .await;
        assert!(reply.starts_with("550 5.1.10"), "within the quota: {reply}");
    }
    let reply = harvester.command("RCPT TO:<guess9@contoso.test>").await;
    assert!(reply.starts_with("450 4.7.1"), "past the quota: {reply}");
    let reply = harvester.command("RCPT TO:<alice@contoso.test>").await;
    assert!(
        reply.starts_with("250"),
        "known recipients still flow from the source: {reply}"
    );

    let mut other = Peer::connect(h.addr, "127.0.0.2").await;
    assert!(
        other
            .command("MAIL FROM:<y@fabrikam.test>")
            .await
            .starts_with("250")
    );
    let reply = other.command("RCPT TO:<bob@contoso.test>").await;
    assert!(
        reply.starts_with("250"),
        "other clients' mail flows: {reply}"
    );
    assert!(other.command("DATA").await.starts_with("354"));
    let reply = other.command("Subject: hi\r\n\r\nhello\r\n.").await;
    assert!(reply.starts_with("250"), "{reply}");

    let sources = h
        .store
        .invalid_recipients_since("default", h.clock.now() - Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(
        (sources[0].client.as_str(), sources[0].count),
        ("127.0.0.1", QUOTA + 1)
    );
    h.stop().await;
}

#[tokio::test]
async fn the_quota_counts_a_rolling_hour() {
    let h = Harness::start().await;
    with_quota(&h).await;
    let mut peer = Peer::connect(h.addr, "127.0.0.1").await;
    assert!(
        peer.command("MAIL FROM:<x@fabrikam.test>")
            .await
            .starts_with("250")
    );
    for n in 0..=QUOTA {
        peer.command(&format!("RCPT TO:<guess{n}@contoso.test>"))
            .await;
    }
    assert!(
        peer.command("RCPT TO:<again@contoso.test>")
            .await
            .starts_with("450 4.7.1")
    );
    h.clock
        .advance(Duration::from_secs(3600) + Duration::from_secs(1));
    let reply = peer.command("RCPT TO:<later@contoso.test>").await;
    assert!(
        reply.starts_with("550 5.1.10"),
        "an hour later the count starts over: {reply}"
    );
    h.stop().await;
}

#[tokio::test]
async fn without_a_quota_unknown_recipients_are_always_refused_for_good() {
    let h = Harness::start().await;
    let mut peer = Peer::connect(h.addr, "127.0.0.1").await;
    assert!(
        peer.command("MAIL FROM:<x@fabrikam.test>")
            .await
            .starts_with("250")
    );
    for n in 0..8 {
        let reply = peer
            .command(&format!("RCPT TO:<guess{n}@contoso.test>"))
            .await;
        assert!(reply.starts_with("550 5.1.10"), "{reply}");
    }
    h.stop().await;
}
