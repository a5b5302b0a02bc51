//! What of the original goes back: headers only by default, the whole
//! message with RET=FULL when it is small enough.

use crate::support::*;
use mail_parser::{MimeHeaders, PartType};
use mailflow_core::Ret;
use mailflow_ndr::{ReportKind, Returned, build_report_with_id};

fn report_with(ret: Option<Ret>, max_full_return: usize) -> mailflow_ndr::BuiltReport {
    let mut input = input(ReportKind::Failure, vec![rejected_remotely()]);
    input.ret = ret;
    input.max_full_return = max_full_return;
    build_report_with_id(&input, fixed_id(9))
}

#[test]
fn without_ret_only_the_original_headers_are_returned() {
    let report = report_with(None, 1 << 20);
    let parsed = Parsed::new(&report.bytes);
    assert_eq!(report.returned, Returned::Headers);
    assert_eq!(parsed.content_type_of(2), "text/rfc822-headers");
    let headers = parsed.parts()[2].contents();
    assert!(headers.starts_with(b"From: Alice <alice@contoso.test>\r\n"));
    assert!(contains(
        headers,
        b"Message-ID: <figures-42@contoso.test>\r\n"
    ));
    assert!(
        !contains(headers, b"Here are the figures."),
        "no body with headers only"
    );
}

#[test]
fn ret_headers_returns_only_the_headers() {
    let report = report_with(Some(Ret::Headers), 1 << 20);
    assert_eq!(report.returned, Returned::Headers);
    assert_eq!(
        Parsed::new(&report.bytes).content_type_of(2),
        "text/rfc822-headers"
    );
}

#[test]
fn ret_full_returns_the_whole_original_as_message_rfc822() {
    let report = report_with(Some(Ret::Full), 1 << 20);
    let parsed = Parsed::new(&report.bytes);
    assert_eq!(report.returned, Returned::FullMessage);
    assert_eq!(parsed.content_type_of(2), "message/rfc822");
    let PartType::Message(original) = &parsed.parts()[2].body else {
        panic!(
            "the third part is a message, not {:?}",
            parsed.parts()[2].body
        )
    };
    assert_eq!(original.subject(), Some("Quarterly figures"));
    assert_eq!(original.message_id(), Some("figures-42@contoso.test"));
    assert!(
        original
            .body_text(0)
            .unwrap()
            .contains("Here are the figures.")
    );
    assert!(
        contains(&report.bytes, ORIGINAL),
        "the original is returned byte for byte"
    );
    assert!(parsed.human_text().contains("Your message is attached."));
}

#[test]
fn ret_full_of_a_message_larger_than_the_limit_returns_headers_and_says_why() {
    let report = report_with(Some(Ret::Full), ORIGINAL.len() - 1);
    let parsed = Parsed::new(&report.bytes);
    assert_eq!(report.returned, Returned::HeadersBecauseTooLarge);
    assert_eq!(parsed.content_type_of(2), "text/rfc822-headers");
    assert!(
        parsed
            .human_text()
            .contains("too large to be returned whole")
    );
}

#[test]
fn ret_full_at_exactly_the_limit_is_returned_whole() {
    let report = report_with(Some(Ret::Full), ORIGINAL.len());
    assert_eq!(report.returned, Returned::FullMessage);
}

#[test]
fn an_original_with_bare_line_feeds_is_returned_with_crlf() {
    let mut input = input(ReportKind::Failure, vec![rejected_remotely()]);
    input.ret = Some(Ret::Full);
    input.original = b"Subject: lf only\nX-Test: 1\n\nbody line\n".to_vec();
    let report = build_report_with_id(&input, fixed_id(9));
    assert!(contains(
        &report.bytes,
        b"Subject: lf only\r\nX-Test: 1\r\n\r\nbody line\r\n"
    ));
    let bare_lf = report
        .bytes
        .windows(2)
        .filter(|w| w[1] == b'\n' && w[0] != b'\r')
        .count();
    assert_eq!(bare_lf, 0);
}

#[test]
fn an_original_with_8bit_headers_is_declared_8bit() {
    let mut input = input(ReportKind::Failure, vec![rejected_remotely()]);
    input.original = "Subject: Relatório trimestral\r\n\r\nolá\r\n"
        .as_bytes()
        .to_vec();
    let report = build_report_with_id(&input, fixed_id(9));
    let parsed = Parsed::new(&report.bytes);
    assert_eq!(parsed.parts()[2].content_transfer_encoding(), Some("8bit"));
    assert_eq!(
        parsed.message.subject(),
        Some("Undeliverable: Relatório trimestral")
    );
}

#[test]
fn an_original_that_contains_the_boundary_does_not_break_the_report() {
    let boundary = format!("mailflow-report-{}-0", fixed_id(9));
    let mut input = input(ReportKind::Failure, vec![rejected_remotely()]);
    input.ret = Some(Ret::Full);
    input.original = format!("Subject: trap\r\n\r\n--{boundary}\r\nContent-Type: text/plain\r\n\r\nfake\r\n--{boundary}--\r\n")
        .into_bytes();
    let report = build_report_with_id(&input, fixed_id(9));
    let parsed = Parsed::new(&report.bytes);
    assert_eq!(parsed.parts().len(), 3);
    assert_eq!(parsed.content_type_of(2), "message/rfc822");
    assert_eq!(
        parsed.status_blocks()[1].get("Status").as_deref(),
        Some("5.1.1")
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
