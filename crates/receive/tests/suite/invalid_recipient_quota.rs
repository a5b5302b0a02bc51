//! The invalid-recipient quota over real SMTP on loopback: past the quota
//! the sources of unknown recipients get `450 4.7.1`, mail to known
//! recipients keeps flowing (from them and from other clients), and the
//! hour rolls on the injected clock.

use crate::common::Harness;
use mailflow_core::Clock;
use mailflow_store::{AlertSettings, AlertStore};
use std::time::Duration;

const QUOTA: u64 = 3;

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
    let mut harvester = h.connect_from("127.0.0.1").await;
    harvester.expect("MAIL FROM:<x@fabrikam.test>", "250").await;
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

    let mut other = h.connect_from("127.0.0.2").await;
    other.expect("MAIL FROM:<y@fabrikam.test>", "250").await;
    let reply = other.command("RCPT TO:<bob@contoso.test>").await;
    assert!(
        reply.starts_with("250"),
        "other clients' mail flows: {reply}"
    );
    let reply = other.data("Subject: hi\r\n\r\nhello\r\n").await;
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
    let mut peer = h.connect_from("127.0.0.1").await;
    peer.expect("MAIL FROM:<x@fabrikam.test>", "250").await;
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
    let mut peer = h.connect_from("127.0.0.1").await;
    peer.expect("MAIL FROM:<x@fabrikam.test>", "250").await;
    for n in 0..8 {
        let reply = peer
            .command(&format!("RCPT TO:<guess{n}@contoso.test>"))
            .await;
        assert!(reply.starts_with("550 5.1.10"), "{reply}");
    }
    h.stop().await;
}
