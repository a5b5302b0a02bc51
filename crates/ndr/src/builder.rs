//! Puts a report together: headers, and the three parts of
//! `multipart/report; report-type=delivery-status` (RFC 3464, RFC 6522).

use crate::catalogue::Language;
use crate::original::Original;
use crate::report::{Action, BuiltReport, ReportInput, ReportKind, ReportedRecipient, Returned};
use crate::{clean, delivery_status, human};
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::{BodyPart, MimePart};
use mailflow_core::{MessageId, Ret};

/// Builds the report with a new id. The caller sends it from `<>` to
/// `input.original_sender`.
pub fn build_report(input: &ReportInput) -> BuiltReport {
    build_report_with_id(input, MessageId::new())
}

/// Builds the report under a given id (stored ahead, or fixed in tests).
pub fn build_report_with_id(input: &ReportInput, id: MessageId) -> BuiltReport {
    let original = Original::read(&input.original);
    let language = Language::negotiate(original.languages.iter().map(String::as_str));
    let returned = returned(input, &original);
    let human = human::text(input, &original, returned, language);
    let status = delivery_status::body(input);
    let (returned_type, returned_body) = match returned {
        Returned::FullMessage => ("message/rfc822", original.message.as_slice()),
        Returned::Headers | Returned::HeadersBecauseTooLarge => {
            ("text/rfc822-headers", original.headers())
        }
    };
    let boundary = boundary(id, &[human.as_bytes(), status.as_bytes(), returned_body]);
    let report = MimePart::new(
        ContentType::new("multipart/report")
            .attribute("report-type", "delivery-status")
            .attribute("boundary", boundary),
        vec![
            MimePart::new("text/plain", human).language(language.tag()),
            unencoded_part("message/delivery-status", status.as_bytes()),
            unencoded_part(returned_type, returned_body),
        ],
    );
    let bytes = headers(input, &original, language, id)
        .body(report)
        .write_to_vec()
        .expect("writing a message into memory cannot fail");
    BuiltReport {
        id,
        bytes,
        recipients: reported(input),
        language,
        returned,
    }
}

fn headers<'x>(
    input: &ReportInput,
    original: &Original,
    language: Language,
    id: MessageId,
) -> MessageBuilder<'x> {
    let words = language.catalogue();
    let host = clean::host(&input.reporting_mta);
    let subject = words.subject(input.kind, original.subject.as_deref());
    let mut builder = MessageBuilder::new()
        .from(Address::new_address(
            Some(words.daemon_name()),
            format!("MAILER-DAEMON@{host}"),
        ))
        .to(Address::new_address(
            None::<&str>,
            clean::mailbox(&input.original_sender),
        ))
        .subject(clean::header_text(&subject))
        .date(input.now.unix_timestamp())
        .message_id(format!("{id}@{host}"))
        .header("Auto-Submitted", Raw::new("auto-replied"));
    if let Some(original_id) = original.message_id.clone() {
        builder = builder
            .in_reply_to(original_id.clone())
            .references(original_id);
    }
    builder
}

/// The whole original only for a failure with `RET=FULL` that is small enough.
fn returned(input: &ReportInput, original: &Original) -> Returned {
    match (input.kind, input.ret) {
        (ReportKind::Failure, Some(Ret::Full))
            if original.message.len() <= input.max_full_return =>
        {
            Returned::FullMessage
        }
        (ReportKind::Failure, Some(Ret::Full)) => Returned::HeadersBecauseTooLarge,
        _ => Returned::Headers,
    }
}

/// A part written as it is, declared `7bit` or `8bit`: bounce parsers expect
/// delivery-status fields and returned headers unencoded.
fn unencoded_part<'x>(content_type: &'x str, body: &'x [u8]) -> MimePart<'x> {
    let encoding = if body.is_ascii() { "7bit" } else { "8bit" };
    MimePart::new(content_type, BodyPart::Binary(body.into())).transfer_encoding(encoding)
}

/// A boundary that none of the parts contains.
fn boundary(id: MessageId, parts: &[&[u8]]) -> String {
    let contained = |candidate: &str| {
        parts
            .iter()
            .any(|part| contains(part, candidate.as_bytes()))
    };
    (0u32..)
        .map(|n| format!("mailflow-report-{id}-{n}"))
        .find(|candidate| !contained(candidate))
        .expect("some numbered boundary is absent from finite parts")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn reported(input: &ReportInput) -> Vec<ReportedRecipient> {
    input
        .recipients
        .iter()
        .map(|recipient| ReportedRecipient {
            address: recipient.address.clone(),
            action: Action::of(input.kind),
            status: recipient.diagnosis.code(),
        })
        .collect()
}
