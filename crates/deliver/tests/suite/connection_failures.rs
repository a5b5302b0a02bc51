//! Failures to open a connection, and the order addresses are tried in:
//! refused (4.4.316), timed out (4.4.315 listing every address), fallback to
//! the next smart host, and the furthest-address rule.

use crate::common::*;
use mailflow_core::{Diagnosis, RemoteReply, ServerRefusal, Stage, TlsPolicy};
use mailflow_testkit::{BlackHole, SmtpBehavior, SmtpServer, refused_addr};

#[tokio::test]
async fn a_refused_connection_is_4_4_316_naming_the_address() {
    let refused = refused_addr();
    let plan = smart_hosts(&[refused], TlsPolicy::Opportunistic);
    let report = deliverer()
        .deliver(&plan, &[message(&["bob@dest.test"])])
        .await;

    let (diagnosis, server) = only_diagnosis(&report);
    assert_eq!(diagnosis, Diagnosis::ConnectionRefused { addr: refused });
    assert_eq!(diagnosis.code().to_string(), "4.4.316");
    assert_eq!(server, Some(refused.to_string()));
    assert_eq!(report.addresses.len(), 1);
    assert_eq!(report.addresses[0].stage, Stage::Connect);
}

#[tokio::test]
async fn connect_time_outs_are_4_4_315_listing_every_address_tried() {
    let (first, second) = (BlackHole::new().await, BlackHole::new().await);
    let plan = smart_hosts(&[first.addr(), second.addr()], TlsPolicy::Opportunistic);
    let report = deliverer()
        .deliver(&plan, &[message(&["bob@dest.test"])])
        .await;

    let (diagnosis, _) = only_diagnosis(&report);
    assert_eq!(
        diagnosis,
        Diagnosis::ConnectionTimedOut {
            tried: vec![first.addr(), second.addr()]
        }
    );
    assert_eq!(diagnosis.code().to_string(), "4.4.315");
    assert!(diagnosis.detail().contains(&first.addr().to_string()));
    assert!(diagnosis.detail().contains(&second.addr().to_string()));
    assert_eq!(report.addresses.len(), 2);
}

#[tokio::test]
async fn a_refused_first_smart_host_falls_back_to_the_second() {
    let refused = refused_addr();
    let server = SmtpServer::start(SmtpBehavior::new()).await;
    let plan = smart_hosts(&[refused, server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer()
        .deliver(&plan, &[message(&["bob@dest.test"])])
        .await;

    assert!(
        is_delivered(&report.messages[0][0]),
        "{:?}",
        report.messages
    );
    assert_eq!(report.addresses.len(), 2);
    assert_eq!(
        report.addresses[0].diagnosis,
        Some(Diagnosis::ConnectionRefused { addr: refused })
    );
    assert_eq!(report.addresses[1].addr, Some(server.addr()));
    assert_eq!(report.addresses[1].diagnosis, None);
    assert_eq!(
        server.wait_for_messages(1, WAIT).await.unwrap()[0].accepted_recipients(),
        ["bob@dest.test"]
    );
}

#[tokio::test]
async fn the_address_that_got_furthest_gives_the_diagnosis() {
    let busy =
        SmtpServer::start(SmtpBehavior::new().greeting("421 4.3.2 too busy, try later")).await;
    let refused = refused_addr();
    let plan = smart_hosts(&[busy.addr(), refused], TlsPolicy::Opportunistic);
    let report = deliverer()
        .deliver(&plan, &[message(&["bob@dest.test", "carol@dest.test"])])
        .await;

    let (diagnosis, server) = only_diagnosis(&report);
    let reply = RemoteReply {
        code: 421,
        enhanced: Some(mailflow_core::EnhancedCode(4, 3, 2)),
        text: "too busy, try later".into(),
    };
    assert_eq!(
        diagnosis,
        Diagnosis::RemoteServerError {
            refusal: ServerRefusal::Greeting { reply }
        }
    );
    assert_eq!(diagnosis.code().to_string(), "4.4.317");
    assert_eq!(server, Some(busy.addr().to_string()));
    let stages: Vec<Stage> = report.addresses.iter().map(|result| result.stage).collect();
    assert_eq!(stages, [Stage::Greeting, Stage::Connect]);
}
