//! The human-readable part: what happened, why, who has to act and how,
//! and the section for administrators.

use crate::support::*;
use mail_parser::MimeHeaders;
use mailflow_core::{Diagnosis, DnsOutcome, DnsRecordType};
use mailflow_ndr::{ReportKind, build_report_with_id};

fn human(recipients: Vec<mailflow_ndr::ReportRecipient>) -> String {
    let report = build_report_with_id(&input(ReportKind::Failure, recipients), fixed_id(9));
    Parsed::new(&report.bytes).human_text()
}

/// The paragraph about one recipient in the part for people.
fn section_for(text: &str, address: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let start = text
        .find(&format!("Recipient: {address}"))
        .expect("a section per recipient");
    let rest = &text[start..];
    let end = rest.find("\n\n").unwrap_or(rest.len());
    rest[..end].replace("\n    ", " ")
}

#[test]
fn a_mistyped_address_asks_the_sender_to_check_it() {
    let text = human(vec![rejected_remotely()]);
    let section = section_for(&text, "bob@fabrikam.test");
    assert!(
        section.contains("Who has to act: You, the sender."),
        "{section}"
    );
    assert!(
        section.contains("Check the address for typing mistakes"),
        "{section}"
    );
    assert!(
        section.contains("550 5.1.1 no such user here"),
        "the server's words are quoted: {section}"
    );
}

#[test]
fn a_connector_problem_calls_on_the_relays_administrators_and_names_the_connector() {
    let text = human(vec![refused_through_connector()]);
    let section = section_for(&text, "carol@contoso.test");
    assert!(
        section.contains(
            "Who has to act: The administrators of this mail relay (relay.contoso.test)."
        ),
        "{section}"
    );
    assert!(section.contains("connector \"onprem\""), "{section}");
    assert!(section.contains("refused the connection"), "why: {section}");
}

#[test]
fn a_remote_server_problem_calls_on_the_recipients_administrators() {
    let dns = Diagnosis::DnsQueryFailed {
        name: "fabrikam.test".into(),
        record: DnsRecordType::Mx,
        outcome: DnsOutcome::ServFail,
    };
    let text = human(vec![expired_after(dns, None)]);
    let section = section_for(&text, "dave@northwind.test");
    assert!(
        section.contains("Who has to act: The administrators of the recipient's mail system."),
        "{section}"
    );
    assert!(section.contains("DNS records"), "{section}");
}

#[test]
fn an_expiry_through_a_connector_calls_on_the_relays_administrators() {
    let text = human(vec![expired_after(temporarily_rejected(), Some("onprem"))]);
    let section = section_for(&text, "dave@northwind.test");
    assert!(
        section.contains("administrators of this mail relay"),
        "{section}"
    );
    assert!(
        section.contains("tried for 24 hours (30 attempts)"),
        "what happened: {section}"
    );
    assert!(
        section.contains("The last attempt failed for this reason"),
        "why: {section}"
    );
}

#[test]
fn the_administrators_section_carries_the_evidence() {
    let text = human(vec![refused_through_connector()]);
    let admin = &text[text
        .find("For administrators")
        .expect("an administrators' section")..];
    for expected in [
        "Reporting server: relay.contoso.test",
        &format!("Queue id: {}", fixed_id(1)),
        "Message-ID: <figures-42@contoso.test>",
        "Status: 4.4.316",
        "Category: connection_refused",
        "Detail: connection refused by 127.0.0.1:2526",
        "Connector: onprem",
        "Attempts: 12",
        "Last attempt: Tue, 4 Mar 2025 07:30:00 +0000",
        "Recent attempts:",
        "Mon, 3 Mar 2025 08:00:00 +0000 | 127.0.0.1:2526 | 450 4.4.316",
    ] {
        assert!(
            admin.contains(expected),
            "missing {expected:?} in:\n{admin}"
        );
    }
}

#[test]
fn an_expired_recipient_shows_the_last_error_category_to_administrators() {
    let text = human(vec![expired_after(unknown_user(), None)]);
    assert!(text.contains("Category: expired"), "{text}");
    assert!(
        text.contains("Last error category: remote_permanent"),
        "{text}"
    );
    assert!(text.contains("Remote server: mx.northwind.test"), "{text}");
}

#[test]
fn the_human_part_is_plain_english_text_that_says_so() {
    let report = build_report_with_id(
        &input(ReportKind::Failure, vec![rejected_remotely()]),
        fixed_id(9),
    );
    let parsed = Parsed::new(&report.bytes);
    let text_part = parsed.parts()[0];
    let language = text_part.content_language();
    let tag = language.as_text().or_else(|| {
        language
            .as_text_list()
            .and_then(|tags| tags.first().map(|t| t.as_ref()))
    });
    assert_eq!(tag, Some("en"));
    assert_eq!(report.language, mailflow_ndr::Language::English);
    assert!(
        parsed
            .human_text()
            .starts_with("Your message could not be delivered")
    );
}

#[test]
fn a_message_asking_for_a_language_mailflow_does_not_write_gets_english() {
    let mut input = input(ReportKind::Failure, vec![rejected_remotely()]);
    input.original = b"Content-Language: de\r\nSubject: Hallo\r\n\r\nHallo Welt\r\n".to_vec();
    let report = build_report_with_id(&input, fixed_id(9));
    assert_eq!(report.language, mailflow_ndr::Language::English);
    assert_eq!(
        Parsed::new(&report.bytes).message.subject(),
        Some("Undeliverable: Hallo")
    );
}
