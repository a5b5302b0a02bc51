//! A failure report read back with mail-parser: the RFC 3464 structure, the
//! per-recipient fields for the main kinds of failure, and the human part.

use crate::support::*;
use mail_parser::MimeHeaders;
use mailflow_ndr::{Action, ReportKind, build_report_with_id};

fn three_failures() -> mailflow_ndr::ReportInput {
    let mut input = input(
        ReportKind::Failure,
        vec![
            refused_through_connector(),
            rejected_remotely(),
            expired_after(temporarily_rejected(), None),
        ],
    );
    input.envid = Some("QQ-314159".into());
    input
}

#[test]
fn the_report_is_a_multipart_report_of_delivery_status() {
    let report = build_report_with_id(&three_failures(), fixed_id(9));
    let parsed = Parsed::new(&report.bytes);
    let content_type = parsed.message.root_part().content_type().unwrap();
    assert_eq!(content_type.ctype(), "multipart");
    assert_eq!(content_type.subtype(), Some("report"));
    assert_eq!(
        content_type.attribute("report-type"),
        Some("delivery-status")
    );
    assert_eq!(parsed.parts().len(), 3);
    assert_eq!(parsed.content_type_of(0), "text/plain");
    assert_eq!(parsed.content_type_of(1), "message/delivery-status");
    assert_eq!(parsed.content_type_of(2), "text/rfc822-headers");
}

#[test]
fn the_report_is_addressed_from_the_mailer_daemon_to_the_original_sender() {
    let report = build_report_with_id(&three_failures(), fixed_id(9));
    let parsed = Parsed::new(&report.bytes);
    let from = parsed.message.from().unwrap().first().unwrap();
    assert_eq!(from.address(), Some("MAILER-DAEMON@relay.contoso.test"));
    assert_eq!(from.name(), Some("Mail Delivery System"));
    assert_eq!(
        parsed.message.to().unwrap().first().unwrap().address(),
        Some("alice@contoso.test")
    );
    assert_eq!(
        parsed.message.subject(),
        Some("Undeliverable: Quarterly figures")
    );
    assert_eq!(
        parsed.header("Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    assert_eq!(
        parsed.message.in_reply_to().as_text(),
        Some("figures-42@contoso.test")
    );
    assert_eq!(
        parsed.message.references().as_text(),
        Some("figures-42@contoso.test")
    );
    assert_eq!(
        parsed.message.message_id(),
        Some(format!("{}@relay.contoso.test", fixed_id(9)).as_str())
    );
    assert_eq!(
        parsed.message.date().unwrap().to_rfc3339(),
        "2025-03-04T08:00:00Z"
    );
    assert_eq!(report.id, fixed_id(9));
}

#[test]
fn every_line_ends_with_crlf() {
    let report = build_report_with_id(&three_failures(), fixed_id(9));
    let bare_lf = report
        .bytes
        .windows(2)
        .filter(|w| w[1] == b'\n' && w[0] != b'\r')
        .count();
    assert_eq!(bare_lf, 0);
    assert!(report.bytes.first() != Some(&b'\n'));
}

#[test]
fn the_per_message_fields_name_the_relay_the_envelope_id_and_the_arrival() {
    let report = build_report_with_id(&three_failures(), fixed_id(9));
    let blocks = Parsed::new(&report.bytes).status_blocks();
    assert_eq!(
        blocks.len(),
        4,
        "one per-message block and three recipient blocks"
    );
    let message = &blocks[0];
    assert_eq!(
        message.get("Reporting-MTA").as_deref(),
        Some("dns; relay.contoso.test")
    );
    assert_eq!(
        message.get("Original-Envelope-Id").as_deref(),
        Some("QQ-314159")
    );
    assert_eq!(
        message.get("Arrival-Date").as_deref(),
        Some("Mon, 3 Mar 2025 08:00:00 +0000")
    );
}

#[test]
fn a_refused_connection_through_a_connector_reports_4_4_316() {
    let report = build_report_with_id(&three_failures(), fixed_id(9));
    let block = Parsed::new(&report.bytes).recipient_block("rfc822; carol@contoso.test");
    assert_eq!(block.get("Action").as_deref(), Some("failed"));
    assert_eq!(block.get("Status").as_deref(), Some("4.4.316"));
    assert_eq!(
        block.get("Original-Recipient").as_deref(),
        Some("rfc822; Carol@Contoso.test")
    );
    assert_eq!(
        block.get("Diagnostic-Code").as_deref(),
        Some("smtp; 450 4.4.316 connection refused by 127.0.0.1:2526")
    );
    assert_eq!(
        block.get("Last-Attempt-Date").as_deref(),
        Some("Tue, 4 Mar 2025 07:30:00 +0000")
    );
    assert_eq!(block.get("Remote-MTA"), None, "no server was reached");
    assert_eq!(
        block.get("Will-Retry-Until"),
        None,
        "only delay notices promise retries"
    );
}

#[test]
fn a_remote_permanent_rejection_keeps_the_servers_code_and_reply() {
    let report = build_report_with_id(&three_failures(), fixed_id(9));
    let block = Parsed::new(&report.bytes).recipient_block("rfc822; bob@fabrikam.test");
    assert_eq!(block.get("Action").as_deref(), Some("failed"));
    assert_eq!(block.get("Status").as_deref(), Some("5.1.1"));
    assert_eq!(
        block.get("Remote-MTA").as_deref(),
        Some("dns; mx1.fabrikam.test")
    );
    assert_eq!(
        block.get("Diagnostic-Code").as_deref(),
        Some("smtp; 550 5.1.1 no such user here")
    );
    assert_eq!(block.get("Original-Recipient"), None, "no ORCPT was given");
}

#[test]
fn an_expired_recipient_reports_4_4_7_with_the_last_error_as_diagnostic() {
    let report = build_report_with_id(&three_failures(), fixed_id(9));
    let block = Parsed::new(&report.bytes).recipient_block("rfc822; dave@northwind.test");
    assert_eq!(block.get("Action").as_deref(), Some("failed"));
    assert_eq!(block.get("Status").as_deref(), Some("4.4.7"));
    assert_eq!(
        block.get("Diagnostic-Code").as_deref(),
        Some("smtp; 451 4.3.0 try again later")
    );
}

#[test]
fn the_recipient_blocks_keep_the_order_and_field_order_of_rfc_3464() {
    let report = build_report_with_id(&three_failures(), fixed_id(9));
    let blocks = Parsed::new(&report.bytes).status_blocks();
    assert_eq!(
        blocks[1].names(),
        [
            "Original-Recipient",
            "Final-Recipient",
            "Action",
            "Status",
            "Diagnostic-Code",
            "Last-Attempt-Date"
        ]
    );
    let finals: Vec<String> = blocks[1..]
        .iter()
        .map(|b| b.get("Final-Recipient").unwrap())
        .collect();
    assert_eq!(
        finals,
        [
            "rfc822; carol@contoso.test",
            "rfc822; bob@fabrikam.test",
            "rfc822; dave@northwind.test"
        ]
    );
}

#[test]
fn the_built_report_lists_each_recipients_status() {
    let report = build_report_with_id(&three_failures(), fixed_id(9));
    let statuses: Vec<(String, Action, String)> = report
        .recipients
        .iter()
        .map(|r| (r.address.clone(), r.action, r.status.to_string()))
        .collect();
    assert_eq!(
        statuses,
        [
            (
                "carol@contoso.test".to_string(),
                Action::Failed,
                "4.4.316".to_string()
            ),
            (
                "bob@fabrikam.test".to_string(),
                Action::Failed,
                "5.1.1".to_string()
            ),
            (
                "dave@northwind.test".to_string(),
                Action::Failed,
                "4.4.7".to_string()
            ),
        ]
    );
}

#[test]
fn without_an_envelope_id_the_field_is_left_out() {
    let report = build_report_with_id(
        &input(ReportKind::Failure, vec![rejected_remotely()]),
        fixed_id(9),
    );
    let blocks = Parsed::new(&report.bytes).status_blocks();
    assert_eq!(blocks[0].get("Original-Envelope-Id"), None);
}

#[test]
fn two_reports_get_different_ids() {
    let input = input(ReportKind::Failure, vec![rejected_remotely()]);
    let (first, second) = (
        mailflow_ndr::build_report(&input),
        mailflow_ndr::build_report(&input),
    );
    assert_ne!(first.id, second.id);
    assert_ne!(
        Parsed::new(&first.bytes).message.message_id(),
        Parsed::new(&second.bytes).message.message_id()
    );
}
