//! A report to a sender outside the organisation tells the status and the
//! explanation, and nothing of the relay's inside: not the connector's name,
//! not the internal server's address, not what that server replied. The
//! organisation's own senders get the whole evidence.

use crate::support::*;
use mailflow_core::{Diagnosis, EnhancedCode, RemoteReply, Stage};
use mailflow_ndr::{Audience, ReportKind, ReportRecipient, build_report_with_id};

/// What an on-premises server said about a recipient, with its inside showing.
fn refused_inside() -> ReportRecipient {
    let reply = RemoteReply {
        code: 550,
        enhanced: Some(EnhancedCode(5, 1, 1)),
        text: "<carol@contoso.test>: user unknown in /etc/postfix/virtual on exch-01.corp.contoso.local"
            .into(),
    };
    ReportRecipient {
        remote_mta: Some("10.20.30.40".into()),
        diagnosis: Diagnosis::from_reply(Stage::Rcpt, reply),
        ..refused_through_connector()
    }
}

const INSIDE: [&str; 5] = [
    "onprem",
    "127.0.0.1:2526",
    "10.20.30.40",
    "exch-01.corp.contoso.local",
    "/etc/postfix/virtual",
];

/// The report as sent, and its human part decoded (in case it is encoded).
fn report(audience: Audience, recipients: Vec<ReportRecipient>) -> (String, String) {
    let mut input = input(ReportKind::Failure, recipients);
    input.original_sender = "sender@outside.example".into();
    input.audience = audience;
    let report = build_report_with_id(&input, fixed_id(3));
    let human = Parsed::new(&report.bytes).human_text();
    (String::from_utf8(report.bytes).unwrap(), human)
}

#[test]
fn an_outside_sender_sees_the_code_and_explanation_but_nothing_of_the_inside() {
    let (text, human) = report(
        Audience::Outside,
        vec![refused_through_connector(), refused_inside()],
    );
    for inside in INSIDE {
        assert!(!text.contains(inside), "{inside:?} shown outside:\n{text}");
        assert!(
            !human.contains(inside),
            "{inside:?} shown outside:\n{human}"
        );
    }
    let parsed = Parsed::new(text.as_bytes());
    let blocks = parsed.status_blocks();
    assert_eq!(blocks[1].get("Status").as_deref(), Some("4.4.316"));
    assert_eq!(
        blocks[1].get("Diagnostic-Code").as_deref(),
        Some("smtp; 450 4.4.316 connection_refused")
    );
    assert_eq!(blocks[2].get("Status").as_deref(), Some("5.1.1"));
    assert_eq!(blocks[2].get("Remote-MTA"), None);
    assert!(human.contains("4.4.316"), "{human}");
    assert!(human.contains("Why"), "{human}");
}

#[test]
fn the_organisations_own_senders_keep_the_evidence() {
    let (_, human) = report(
        Audience::Organisation,
        vec![refused_through_connector(), refused_inside()],
    );
    for inside in INSIDE {
        assert!(human.contains(inside), "{inside:?} missing:\n{human}");
    }
}
