//! What the server answers to MAIL, RCPT and DATA, kept per recipient, and
//! how one connection carries several messages.

use crate::common::*;
use mailflow_core::{
    Diagnosis, DropKind, DropStage, DsnEnvelope, DsnRecipient, EnhancedCode, Notify, RemoteReply,
    Ret, Stage, TlsPolicy,
};
use mailflow_deliver::RecipientOutcome;
use mailflow_testkit::{FaultAction, FaultPoint, SmtpBehavior, SmtpServer};

fn failed_with(outcome: &RecipientOutcome) -> &Diagnosis {
    match outcome {
        RecipientOutcome::Failed { diagnosis, .. } => diagnosis,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn each_recipient_keeps_its_own_reply() {
    let behavior = SmtpBehavior::new()
        .rcpt_reply_for("busy@dest.test", "450 4.2.1 mailbox busy, try later")
        .rcpt_reply_for("gone@dest.test", "550 5.1.1 no such user");
    let server = SmtpServer::start(behavior).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer()
        .deliver(
            &plan,
            &[message(&[
                "bob@dest.test",
                "busy@dest.test",
                "gone@dest.test",
            ])],
        )
        .await;

    let outcomes = &report.messages[0];
    assert_eq!(
        outcomes[0],
        RecipientOutcome::Delivered {
            reply: "250 2.0.0 Queued".into(),
            server: server.addr().to_string()
        }
    );
    let busy = failed_with(&outcomes[1]);
    assert_eq!(busy.reply(), "450 4.2.1 mailbox busy, try later");
    assert_eq!(
        busy,
        &Diagnosis::RemoteTransient {
            stage: Stage::Rcpt,
            reply: RemoteReply {
                code: 450,
                enhanced: Some(EnhancedCode(4, 2, 1)),
                text: "mailbox busy, try later".into()
            },
        }
    );
    let gone = failed_with(&outcomes[2]);
    assert_eq!(gone.reply(), "550 5.1.1 no such user");
    assert!(gone.is_permanent());
    assert_eq!(
        server.wait_for_messages(1, WAIT).await.unwrap()[0].accepted_recipients(),
        ["bob@dest.test"]
    );
}

#[tokio::test]
async fn a_refused_mail_from_applies_to_every_recipient() {
    let server =
        SmtpServer::start(SmtpBehavior::new().mail_reply("550 5.7.1 sender blocked")).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer()
        .deliver(&plan, &[message(&["bob@dest.test", "carol@dest.test"])])
        .await;

    let (diagnosis, _) = only_diagnosis(&report);
    let Diagnosis::RemotePermanent { stage, reply } = &diagnosis else {
        panic!("{diagnosis:?}")
    };
    assert_eq!((*stage, reply.code), (Stage::Mail, 550));
    assert_eq!(diagnosis.reply(), "550 5.7.1 sender blocked");
}

#[tokio::test]
async fn when_every_rcpt_is_refused_data_is_not_sent() {
    let server = SmtpServer::start(SmtpBehavior::new().rcpt_reply("550 5.1.1 nobody here")).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer()
        .deliver(&plan, &[message(&["bob@dest.test", "carol@dest.test"])])
        .await;

    let (diagnosis, _) = only_diagnosis(&report);
    assert_eq!(diagnosis.reply(), "550 5.1.1 nobody here");
    let commands = &server.sessions()[0].commands;
    assert!(
        !commands.iter().any(|command| command == "DATA"),
        "{commands:?}"
    );
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn three_messages_share_one_connection() {
    let server = SmtpServer::start(SmtpBehavior::new()).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let messages = [
        message(&["a@dest.test"]),
        message(&["b@dest.test"]),
        message(&["c@dest.test"]),
    ];
    let report = deliverer().deliver(&plan, &messages).await;

    assert!(
        report.messages.iter().flatten().all(is_delivered),
        "{:?}",
        report.messages
    );
    let received = server.wait_for_messages(3, WAIT).await.unwrap();
    assert_eq!(server.connections(), 1);
    let transactions: Vec<(usize, usize)> = received
        .iter()
        .map(|m| (m.connection, m.transaction))
        .collect();
    assert_eq!(transactions, [(0, 0), (0, 1), (0, 2)]);
    assert_eq!(report.addresses.len(), 1);
}

#[tokio::test]
async fn a_refused_message_is_reset_and_the_next_one_goes_over_the_same_connection() {
    let behavior = SmtpBehavior::new().final_reply_for(0, "554 5.6.0 content rejected");
    let server = SmtpServer::start(behavior).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer()
        .deliver(
            &plan,
            &[message(&["a@dest.test"]), message(&["b@dest.test"])],
        )
        .await;

    let refused = failed_with(&report.messages[0][0]);
    assert_eq!(refused.reply(), "554 5.6.0 content rejected");
    assert!(matches!(
        refused,
        Diagnosis::RemotePermanent {
            stage: Stage::Data,
            ..
        }
    ));
    assert!(is_delivered(&report.messages[1][0]));
    assert_eq!(server.connections(), 1);
    assert!(
        server.sessions()[0]
            .commands
            .iter()
            .any(|command| command == "RSET")
    );
}

#[tokio::test]
async fn after_a_drop_before_data_the_remaining_messages_go_to_the_next_address() {
    // (A drop during a message's data sends the rest to the same address
    // again: see drops.rs.)
    let flaky = SmtpServer::start(SmtpBehavior::new().fault_in(
        FaultPoint::AfterRcpt,
        FaultAction::Close,
        1,
    ))
    .await;
    let steady = SmtpServer::start(SmtpBehavior::new()).await;
    let plan = smart_hosts(&[flaky.addr(), steady.addr()], TlsPolicy::Opportunistic);
    let messages = [
        message(&["a@dest.test"]),
        message(&["b@dest.test"]),
        message(&["c@dest.test"]),
    ];
    let report = deliverer().deliver(&plan, &messages).await;

    assert!(is_delivered(&report.messages[0][0]));
    assert_eq!(
        failed_with(&report.messages[1][0]),
        &Diagnosis::ConnectionDropped {
            stage: DropStage::AfterRcpt,
            how: DropKind::Closed
        }
    );
    let RecipientOutcome::Delivered { server, .. } = &report.messages[2][0] else {
        panic!("{:?}", report.messages)
    };
    assert_eq!(server, &steady.addr().to_string());
    assert_eq!(report.addresses.len(), 2);
    assert_eq!(report.addresses[0].stage, Stage::Data);
    assert!(report.addresses[0].diagnosis.is_some() && report.addresses[1].diagnosis.is_none());
}

#[tokio::test]
async fn a_pipelining_server_gets_the_size_and_dsn_parameters() {
    let server = SmtpServer::start(
        SmtpBehavior::new()
            .pipelining(true)
            .extension("DSN")
            .extension("SIZE 10000000"),
    )
    .await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let mut outbound = message(&["bob@dest.test", "carol@dest.test"]);
    outbound.dsn = DsnEnvelope {
        ret: Some(Ret::Headers),
        envid: Some("env-1".into()),
    };
    outbound.recipients[0].dsn = DsnRecipient {
        notify: Some(Notify {
            success: true,
            failure: true,
            delay: false,
        }),
        orcpt: Some("rfc822;bob@dest.test".into()),
    };
    let report = deliverer().deliver(&plan, &[outbound.clone()]).await;

    assert!(
        report.messages[0].iter().all(is_delivered),
        "{:?}",
        report.messages
    );
    let received = &server.wait_for_messages(1, WAIT).await.unwrap()[0];
    let size = format!("SIZE={}", outbound.body.size());
    for param in [size.as_str(), "RET=HDRS", "ENVID=env-1"] {
        assert!(
            received.mail_params.iter().any(|p| p == param),
            "{param} missing: {:?}",
            received.mail_params
        );
    }
    assert_eq!(
        received.recipients[0].params,
        ["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;bob@dest.test"]
    );
    assert!(received.recipients[1].params.is_empty());
    assert_eq!(received.data, b"Subject: test\r\n\r\nHello.\r\n".to_vec());
}

#[tokio::test]
async fn leading_dots_survive_the_trip() {
    let server = SmtpServer::start(SmtpBehavior::new()).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let body = b"Subject: dots\r\n\r\n.one\r\n..two\r\n.\r\nend\r\n";
    let report = deliverer()
        .deliver(&plan, &[message_with_body(&["bob@dest.test"], body)])
        .await;
    assert!(is_delivered(&report.messages[0][0]));
    assert_eq!(
        server.wait_for_messages(1, WAIT).await.unwrap()[0].data,
        body.to_vec()
    );
}
