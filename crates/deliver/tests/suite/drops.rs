//! A conversation that breaks after the connection was made: 4.4.318 with
//! the stage it broke at (named after the last step the server completed)
//! and how (closed, reset, no reply).

use crate::common::*;
use mailflow_core::{Diagnosis, DropKind, DropStage, TlsPolicy};
use mailflow_deliver::{NextHopPlan, RecipientOutcome};
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

#[tokio::test]
async fn a_message_that_breaks_the_session_during_its_data_does_not_take_the_next_ones_down() {
    // The server will not read a line longer than 100 bytes; the first
    // message has one, the two behind it do not.
    let server = SmtpServer::start(
        SmtpBehavior::new().drop_on_data_line_longer_than(100, FaultAction::Close),
    )
    .await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let long_line = format!("Subject: long\r\n\r\n{}\r\n", "x".repeat(1000));
    let messages = [
        message_with_body(&["bad@dest.test"], long_line.as_bytes()),
        message(&["one@dest.test"]),
        message(&["two@dest.test"]),
    ];
    let report = deliverer().deliver(&plan, &messages).await;

    let RecipientOutcome::Failed {
        diagnosis,
        server: at,
    } = &report.messages[0][0]
    else {
        panic!("the long message got through: {:?}", report.messages[0]);
    };
    assert_eq!(diagnosis.code().to_string(), "4.4.318");
    assert!(diagnosis.is_data_stage_drop(), "{diagnosis:?}");
    assert_eq!(at.as_deref(), Some(server.addr().to_string().as_str()));
    assert!(
        is_delivered(&report.messages[1][0]),
        "{:?}",
        report.messages[1]
    );
    assert!(
        is_delivered(&report.messages[2][0]),
        "{:?}",
        report.messages[2]
    );
    // The two went over a second connection to the same address.
    assert_eq!(server.connections(), 2);
    assert_eq!(server.messages().len(), 2);
    assert_eq!(report.addresses.len(), 2);
    assert!(report.addresses[1].diagnosis.is_none());
}

#[tokio::test]
async fn messages_that_each_break_the_session_are_each_failed_on_their_own() {
    let server = SmtpServer::start(
        SmtpBehavior::new().drop_on_data_line_longer_than(100, FaultAction::Reset),
    )
    .await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let long_line = format!("Subject: long\r\n\r\n{}\r\n", "x".repeat(1000));
    let messages = [
        message_with_body(&["a@dest.test"], long_line.as_bytes()),
        message_with_body(&["b@dest.test"], long_line.as_bytes()),
    ];
    let report = deliverer().deliver(&plan, &messages).await;
    for outcomes in &report.messages {
        let RecipientOutcome::Failed { diagnosis, .. } = &outcomes[0] else {
            panic!("a long message got through: {outcomes:?}");
        };
        assert!(diagnosis.is_data_stage_drop(), "{diagnosis:?}");
    }
    // One connection per message, and no more.
    assert_eq!(server.connections(), 2);
}
