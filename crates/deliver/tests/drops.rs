//! A conversation that breaks after the connection was made: 4.4.318 with
//! the stage it broke at (named after the last step the server completed)
//! and how (closed, reset, no reply).

mod common;

use common::*;
use mailflow_core::{Diagnosis, DropKind, DropStage, TlsPolicy};
use mailflow_deliver::NextHopPlan;
use mailflow_testkit::{FaultAction, FaultPoint, SmtpBehavior, SmtpServer};
use std::time::Duration;

async fn drop_from(server: &SmtpServer, plan: NextHopPlan, body: &[u8]) -> (DropStage, DropKind) {
    let report = deliverer()
        .deliver(&plan, &[message_with_body(&["bob@dest.test"], body)])
        .await;
    let (diagnosis, where_) = only_diagnosis(&report);
    assert_eq!(where_, Some(server.addr().to_string()));
    assert_eq!(diagnosis.code().to_string(), "4.4.318");
    let Diagnosis::ConnectionDropped { stage, how } = diagnosis else {
        panic!("not 4.4.318: {diagnosis:?}")
    };
    (stage, how)
}

async fn drop_at(point: FaultPoint, action: FaultAction) -> (DropStage, DropKind) {
    let server = SmtpServer::start(SmtpBehavior::new().fault(point, action)).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    drop_from(&server, plan, b"Subject: test\r\n\r\nHello.\r\n").await
}

#[tokio::test]
async fn a_close_before_the_greeting_is_4_4_318_before_the_greeting() {
    let (stage, how) = drop_at(FaultPoint::BeforeGreeting, FaultAction::Close).await;
    assert_eq!((stage, how), (DropStage::BeforeGreeting, DropKind::Closed));
}

#[tokio::test]
async fn a_server_silent_before_the_greeting_is_4_4_318_no_reply() {
    let server =
        SmtpServer::start(SmtpBehavior::new().fault(FaultPoint::BeforeGreeting, FaultAction::Hang))
            .await;
    let plan = NextHopPlan {
        command_timeout: Some(Duration::from_millis(300)),
        ..smart_hosts(&[server.addr()], TlsPolicy::Opportunistic)
    };
    let (stage, how) = drop_from(&server, plan, b"Hello.\r\n").await;
    assert_eq!((stage, how), (DropStage::BeforeGreeting, DropKind::NoReply));
}

#[tokio::test]
async fn a_close_after_ehlo_is_4_4_318_after_ehlo() {
    let (stage, how) = drop_at(FaultPoint::AfterEhlo, FaultAction::Close).await;
    assert_eq!((stage, how), (DropStage::AfterEhlo, DropKind::Closed));
}

#[tokio::test]
async fn a_reset_after_rcpt_is_4_4_318_after_rcpt() {
    let (stage, how) = drop_at(FaultPoint::AfterRcpt, FaultAction::Reset).await;
    assert_eq!((stage, how), (DropStage::AfterRcpt, DropKind::Reset));
}

#[tokio::test]
async fn a_close_during_data_is_4_4_318_during_data() {
    // A body larger than the loopback socket buffers, so that the close
    // reaches the client while it is still sending.
    let server =
        SmtpServer::start(SmtpBehavior::new().fault(FaultPoint::DuringData, FaultAction::Close))
            .await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let body = large_body(32 * 1024 * 1024);
    let (stage, _how) = drop_from(&server, plan, &body).await;
    assert_eq!(stage, DropStage::DuringData);
}

#[tokio::test]
async fn a_close_after_the_final_dot_is_4_4_318_after_the_final_dot() {
    let (stage, how) = drop_at(FaultPoint::AfterFinalDot, FaultAction::Close).await;
    assert_eq!((stage, how), (DropStage::AfterFinalDot, DropKind::Closed));
    let detail = Diagnosis::ConnectionDropped { stage, how }.detail();
    assert!(detail.contains("may have been received"), "{detail}");
}

fn large_body(size: usize) -> Vec<u8> {
    let line = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n";
    let mut body = b"Subject: large\r\n\r\n".to_vec();
    while body.len() < size {
        body.extend_from_slice(line);
    }
    body
}
