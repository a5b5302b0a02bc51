//! A connected server that cannot take mail: 4.4.317 with the server's reply
//! (greeting error, EHLO and HELO rejected) or the TLS reason (STARTTLS not
//! offered or refused when the connector requires TLS).

use crate::common::*;
use mailflow_core::{Diagnosis, EnhancedCode, RemoteReply, ServerRefusal, TlsPolicy};
use mailflow_testkit::{SmtpBehavior, SmtpServer};

async fn refusal_from(behavior: SmtpBehavior, tls: TlsPolicy) -> (ServerRefusal, Diagnosis) {
    let server = SmtpServer::start(behavior).await;
    let plan = smart_hosts(&[server.addr()], tls);
    let report = deliverer()
        .deliver(&plan, &[message(&["bob@dest.test"])])
        .await;
    let (diagnosis, where_) = only_diagnosis(&report);
    assert_eq!(where_, Some(server.addr().to_string()));
    assert_eq!(diagnosis.code().to_string(), "4.4.317");
    assert!(server.messages().is_empty());
    let Diagnosis::RemoteServerError { refusal } = &diagnosis else {
        panic!("not 4.4.317: {diagnosis:?}")
    };
    (refusal.clone(), diagnosis)
}

fn reply(code: u16, enhanced: Option<EnhancedCode>, text: &str) -> RemoteReply {
    RemoteReply {
        code,
        enhanced,
        text: text.to_string(),
    }
}

#[tokio::test]
async fn a_421_greeting_is_4_4_317_with_the_reply() {
    let behavior = SmtpBehavior::new().greeting("421 4.7.0 mx.test closing, try later");
    let (refusal, diagnosis) = refusal_from(behavior, TlsPolicy::Opportunistic).await;
    assert_eq!(
        refusal,
        ServerRefusal::Greeting {
            reply: reply(
                421,
                Some(EnhancedCode(4, 7, 0)),
                "mx.test closing, try later"
            )
        }
    );
    assert!(
        diagnosis
            .detail()
            .contains("421 4.7.0 mx.test closing, try later")
    );
}

#[tokio::test]
async fn a_554_greeting_is_4_4_317_with_the_reply() {
    let behavior = SmtpBehavior::new().greeting("554 no SMTP service here");
    let (refusal, _) = refusal_from(behavior, TlsPolicy::Opportunistic).await;
    assert_eq!(
        refusal,
        ServerRefusal::Greeting {
            reply: reply(554, None, "no SMTP service here")
        }
    );
}

#[tokio::test]
async fn ehlo_and_helo_rejected_is_4_4_317() {
    let behavior = SmtpBehavior::new()
        .reject_ehlo("550 5.7.1 EHLO not welcome")
        .reject_helo("550 5.7.1 HELO not welcome either");
    let (refusal, _) = refusal_from(behavior, TlsPolicy::Opportunistic).await;
    assert_eq!(
        refusal,
        ServerRefusal::Ehlo {
            reply: reply(550, Some(EnhancedCode(5, 7, 1)), "HELO not welcome either")
        }
    );
}

#[tokio::test]
async fn a_server_that_rejects_only_ehlo_gets_helo_and_the_mail() {
    let server = SmtpServer::start(SmtpBehavior::new().reject_ehlo("502 5.5.1 no EHLO here")).await;
    let plan = smart_hosts(&[server.addr()], TlsPolicy::Opportunistic);
    let report = deliverer()
        .deliver(&plan, &[message(&["bob@dest.test"])])
        .await;
    assert!(
        is_delivered(&report.messages[0][0]),
        "{:?}",
        report.messages
    );
    let commands = &server.sessions()[0].commands;
    assert!(
        commands
            .iter()
            .any(|command| command.starts_with("HELO relay.mailflow.test")),
        "{commands:?}"
    );
}

#[tokio::test]
async fn required_tls_without_starttls_offered_is_4_4_317() {
    let (refusal, diagnosis) = refusal_from(SmtpBehavior::new(), TlsPolicy::Required).await;
    assert_eq!(refusal, ServerRefusal::StartTlsNotOffered);
    assert!(diagnosis.detail().contains("did not offer STARTTLS"));
}

#[tokio::test]
async fn required_tls_with_starttls_refused_is_4_4_317_with_the_reply() {
    let behavior =
        SmtpBehavior::new().refuse_starttls("454 4.7.0 TLS not available due to temporary reason");
    let (refusal, _) = refusal_from(behavior, TlsPolicy::Required).await;
    assert_eq!(
        refusal,
        ServerRefusal::StartTlsRefused {
            reply: reply(
                454,
                Some(EnhancedCode(4, 7, 0)),
                "TLS not available due to temporary reason"
            )
        }
    );
}
