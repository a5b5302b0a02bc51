//! Delay notices: Action delayed, Will-Retry-Until, and a human part that
//! says the relay is still trying, why, and until when.

use crate::support::*;
use mailflow_core::Ret;
use mailflow_ndr::{Action, ReportKind, Returned, build_report_with_id};
use time::macros::datetime;

fn delay_notice() -> mailflow_ndr::BuiltReport {
    let mut input = input(ReportKind::Delay, vec![refused_through_connector()]);
    input.now = datetime!(2025-03-03 12:00:00 UTC);
    input.will_retry_until = Some(datetime!(2025-03-04 08:00:00 UTC));
    input.ret = Some(Ret::Full);
    build_report_with_id(&input, fixed_id(9))
}

#[test]
fn a_delay_notice_reports_action_delayed_and_until_when_it_retries() {
    let report = delay_notice();
    let block = Parsed::new(&report.bytes).recipient_block("rfc822; carol@contoso.test");
    assert_eq!(block.get("Action").as_deref(), Some("delayed"));
    assert_eq!(block.get("Status").as_deref(), Some("4.4.316"));
    assert_eq!(
        block.get("Will-Retry-Until").as_deref(),
        Some("Tue, 4 Mar 2025 08:00:00 +0000")
    );
    assert_eq!(
        block.get("Last-Attempt-Date").as_deref(),
        Some("Tue, 4 Mar 2025 07:30:00 +0000")
    );
    assert_eq!(report.recipients[0].action, Action::Delayed);
}

#[test]
fn a_delay_notice_says_delayed_in_its_subject() {
    let report = delay_notice();
    assert_eq!(
        Parsed::new(&report.bytes).message.subject(),
        Some("Delayed: Quarterly figures")
    );
}

#[test]
fn a_delay_notice_tells_the_sender_it_is_still_trying_why_and_until_when() {
    let text = Parsed::new(&delay_notice().bytes)
        .human_text()
        .replace("\r\n", "\n");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("has not been delivered yet"), "{text}");
    assert!(
        text.contains("keeps trying until 4 March 2025, 08:00 UTC"),
        "{text}"
    );
    assert!(
        text.contains("You do not need to send the message again"),
        "{text}"
    );
    assert!(text.contains("the relay is still trying"), "{text}");
    assert!(text.contains("refused the connection"), "why: {text}");
    assert!(
        text.contains("Who has to act: The administrators of this mail relay"),
        "{text}"
    );
    assert!(
        text.contains("Will retry until: Tue, 4 Mar 2025 08:00:00 +0000"),
        "{text}"
    );
}

#[test]
fn a_delay_notice_returns_headers_only_even_with_ret_full() {
    let report = delay_notice();
    assert_eq!(report.returned, Returned::Headers);
    assert_eq!(
        Parsed::new(&report.bytes).content_type_of(2),
        "text/rfc822-headers"
    );
}
