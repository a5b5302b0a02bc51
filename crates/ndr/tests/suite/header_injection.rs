//! Values from other machines with CR/LF in them must not add headers or
//! delivery-status fields of their own.

use crate::support::*;
use mailflow_core::{Diagnosis, EnhancedCode, RemoteReply, Stage};
use mailflow_ndr::{ReportKind, build_report_with_id};

fn hostile_report() -> mailflow_ndr::BuiltReport {
    let mut recipient = rejected_remotely();
    recipient.address = "bob@fabrikam.test\r\nAction: delivered".into();
    recipient.orcpt = Some("rfc822;x@y\r\nStatus: 2.0.0".into());
    recipient.remote_mta = Some("mx.evil\r\nX-Injected: 1".into());
    recipient.diagnosis = Diagnosis::from_reply(
        Stage::Rcpt,
        RemoteReply {
            code: 550,
            enhanced: Some(EnhancedCode(5, 1, 1)),
            text: "gone\r\nStatus: 2.0.0\r\n\r\nFinal-Recipient: rfc822; forged@x".into(),
        },
    );
    let mut input = input(ReportKind::Failure, vec![recipient]);
    input.original_sender = "alice@contoso.test\r\nBcc: victim@example.test".into();
    input.envid = Some("id\r\nReporting-MTA: dns; forged".into());
    input.original = b"Subject: hello\r\n Bcc: folded@example.test\r\n\r\nbody\r\n".to_vec();
    build_report_with_id(&input, fixed_id(9))
}

#[test]
fn a_sender_with_a_line_break_adds_no_header() {
    let report = hostile_report();
    let parsed = Parsed::new(&report.bytes);
    assert_eq!(parsed.header("Bcc"), None);
    assert_eq!(parsed.message.to().unwrap().iter().count(), 1);
}

#[test]
fn a_folded_original_subject_stays_one_subject() {
    let report = hostile_report();
    let parsed = Parsed::new(&report.bytes);
    assert_eq!(
        parsed.message.subject(),
        Some("Undeliverable: hello Bcc: folded@example.test")
    );
    assert_eq!(parsed.header("Bcc"), None);
}

#[test]
fn values_with_line_breaks_add_no_delivery_status_fields_or_blocks() {
    let report = hostile_report();
    let blocks = Parsed::new(&report.bytes).status_blocks();
    assert_eq!(
        blocks.len(),
        2,
        "one per-message block, one recipient block"
    );
    assert_eq!(
        blocks[0].names(),
        [
            "Reporting-MTA",
            "X-Mailflow-Queue-ID",
            "Original-Envelope-Id",
            "Arrival-Date"
        ]
    );
    let recipient = &blocks[1];
    assert_eq!(
        recipient.names(),
        [
            "Original-Recipient",
            "Final-Recipient",
            "Action",
            "Status",
            "Remote-MTA",
            "Diagnostic-Code",
            "Last-Attempt-Date"
        ]
    );
    assert_eq!(recipient.get("Action").as_deref(), Some("failed"));
    assert_eq!(recipient.get("Status").as_deref(), Some("5.1.1"));
    assert_eq!(
        recipient.get("Remote-MTA").as_deref(),
        Some("dns; mx.evilX-Injected:1")
    );
    assert_eq!(
        recipient.get("Diagnostic-Code").as_deref(),
        Some("smtp; 550 5.1.1 gone Status: 2.0.0 Final-Recipient: rfc822; forged@x")
    );
}
