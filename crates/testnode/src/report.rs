//! Reading the machine part of a delivery status notification.

use mail_parser::{Message, MimeHeaders};

/// The `message/delivery-status` part of a report, as text, after checking
/// that the report is a `multipart/report` of type `delivery-status`.
pub fn delivery_status(report: &[u8]) -> String {
    let message = parse(report);
    let content_type = message.content_type().expect("a content type");
    assert_eq!(content_type.ctype(), "multipart");
    assert_eq!(content_type.subtype(), Some("report"));
    assert_eq!(
        content_type.attribute("report-type"),
        Some("delivery-status")
    );
    status_part(&message)
}

/// The `message/delivery-status` part of a report, as text, whatever the
/// report's own content type says.
pub fn delivery_status_part(report: &[u8]) -> String {
    status_part(&parse(report))
}

fn parse(report: &[u8]) -> Message<'_> {
    mail_parser::MessageParser::default()
        .parse(report)
        .expect("the report parses")
}

fn status_part(message: &Message<'_>) -> String {
    message
        .parts
        .iter()
        .find(|part| {
            part.content_type().is_some_and(|ct| {
                ct.ctype() == "message" && ct.subtype() == Some("delivery-status")
            })
        })
        .map(|part| String::from_utf8_lossy(part.contents()).into_owned())
        .expect("a message/delivery-status part")
}
