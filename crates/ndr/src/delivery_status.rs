//! The machine-readable part of a report: the body of `message/delivery-status`
//! (RFC 3464): one block of per-message fields, then one block per recipient.
//!
//! Bounce handlers read the recipient, action and status from here, so every
//! value is ASCII, free of line breaks, and folded below 78 columns.

use crate::clean;
use crate::report::{Action, Audience, ReportInput, ReportKind, ReportRecipient};
use mail_builder::headers::date::Date;
use mailflow_core::Diagnosis;
use time::OffsetDateTime;

/// Longest run without a space kept whole; longer ones are split so that no
/// line passes the 998-octet limit.
const LONGEST_WORD: usize = 900;
const FOLD_AT: usize = 78;

type Field = (&'static str, String);

/// The whole `message/delivery-status` body, CRLF line endings.
pub fn body(input: &ReportInput) -> String {
    let mut blocks = vec![message_fields(input)];
    blocks.extend(
        input
            .recipients
            .iter()
            .map(|recipient| recipient_fields(input, recipient)),
    );
    blocks
        .iter()
        .map(|fields| block(fields))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// The reply line a recipient's `Diagnostic-Code` carries: for an expired
/// recipient, the reply of its last error.
pub fn diagnostic_reply(diagnosis: &Diagnosis) -> String {
    match diagnosis {
        Diagnosis::Expired { last: Some(last) } => diagnostic_reply(last),
        other => other.reply(),
    }
}

/// The reply for a reader outside the organisation: the codes and the
/// category, not the text, which may name internal hosts.
fn outside_reply(diagnosis: &Diagnosis) -> String {
    let shown = match diagnosis {
        Diagnosis::Expired { last: Some(last) } => last,
        other => other,
    };
    format!(
        "{} {} {}",
        shown.reply_code(),
        shown.code(),
        shown.category().as_str()
    )
}

/// An RFC 5322 date (always in UTC).
pub fn rfc5322_date(at: OffsetDateTime) -> String {
    Date::new(at.unix_timestamp()).to_rfc822()
}

fn message_fields(input: &ReportInput) -> Vec<Field> {
    let mut fields = vec![(
        "Reporting-MTA",
        format!("dns; {}", clean::host(&input.reporting_mta)),
    )];
    fields.push(("X-Mailflow-Queue-ID", input.original_id.to_string()));
    if let Some(envid) = input.envid.as_deref() {
        fields.push(("Original-Envelope-Id", clean::field_text(envid)));
    }
    fields.push(("Arrival-Date", rfc5322_date(input.arrival)));
    fields
}

fn recipient_fields(input: &ReportInput, recipient: &ReportRecipient) -> Vec<Field> {
    let mut fields = Vec::new();
    if let Some(orcpt) = recipient.orcpt.as_deref() {
        fields.push(("Original-Recipient", original_recipient(orcpt)));
    }
    fields.push((
        "Final-Recipient",
        typed_address("rfc822", &recipient.address),
    ));
    fields.push(("Action", Action::of(input.kind).as_str().to_string()));
    fields.push(("Status", recipient.diagnosis.code().to_string()));
    let outside = input.audience == Audience::Outside;
    if let Some(remote) = recipient.remote_mta.as_deref().filter(|_| !outside) {
        fields.push(("Remote-MTA", format!("dns; {}", clean::host(remote))));
    }
    let reply = if outside {
        outside_reply(&recipient.diagnosis)
    } else {
        diagnostic_reply(&recipient.diagnosis)
    };
    fields.push((
        "Diagnostic-Code",
        format!("smtp; {}", clean::field_text(&reply)),
    ));
    if let Some(at) = recipient.last_attempt {
        fields.push(("Last-Attempt-Date", rfc5322_date(at)));
    }
    if let (ReportKind::Delay, Some(until)) = (input.kind, input.will_retry_until) {
        fields.push(("Will-Retry-Until", rfc5322_date(until)));
    }
    fields
}

/// `ORCPT` comes decoded as `type;address`; a bare address is taken as rfc822.
fn original_recipient(orcpt: &str) -> String {
    match orcpt.split_once(';') {
        Some((kind, address)) => typed_address(kind.trim(), address.trim()),
        None => typed_address("rfc822", orcpt.trim()),
    }
}

/// `type; address`, ASCII only: an address with other characters is
/// written as `utf-8` with `\x{HEX}` escapes (RFC 6533).
fn typed_address(kind: &str, address: &str) -> String {
    let address = clean::mailbox(address);
    if address.is_ascii() {
        let kind = clean::host(kind).to_ascii_lowercase();
        format!("{kind}; {address}")
    } else {
        format!("utf-8; {}", utf8_xtext(&address))
    }
}

fn utf8_xtext(address: &str) -> String {
    address
        .chars()
        .map(|c| match c {
            '!'..='~' if !matches!(c, '+' | '=' | '\\') => c.to_string(),
            other => format!("\\x{{{:X}}}", u32::from(other)),
        })
        .collect()
}

fn block(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|(name, value)| fold(name, value))
        .collect()
}

/// `Name: value` CRLF, folded at spaces before column 78.
fn fold(name: &str, value: &str) -> String {
    let mut out = format!("{name}:");
    let mut line_len = out.len();
    let words = value.split(' ').filter(|word| !word.is_empty());
    for piece in words.flat_map(|word| word.as_bytes().chunks(LONGEST_WORD)) {
        let piece = String::from_utf8_lossy(piece);
        if line_len + 1 + piece.len() > FOLD_AT && line_len > name.len() + 1 {
            out.push_str("\r\n");
            line_len = 0;
        }
        out.push(' ');
        out.push_str(&piece);
        line_len += 1 + piece.len();
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_fold_at_spaces_below_78_columns() {
        let value = "smtp; 450 4.7.320 ".to_string() + &"word ".repeat(40);
        let folded = fold("Diagnostic-Code", &value);
        assert!(folded.split("\r\n").all(|line| line.len() <= FOLD_AT));
        assert_eq!(
            folded.replace("\r\n ", " ").trim_end(),
            format!("Diagnostic-Code: {}", value.trim_end())
        );
    }

    #[test]
    fn a_huge_word_is_split_to_stay_under_the_line_limit() {
        let folded = fold("Diagnostic-Code", &"x".repeat(3000));
        assert!(folded.split("\r\n").all(|line| line.len() < 998));
    }

    #[test]
    fn non_ascii_addresses_are_written_as_utf8_xtext() {
        assert_eq!(
            typed_address("rfc822", "josé@example.test"),
            "utf-8; jos\\x{E9}@example.test"
        );
        assert_eq!(
            original_recipient("rfc822;alice@example.test"),
            "rfc822; alice@example.test"
        );
        assert_eq!(
            original_recipient("alice@example.test"),
            "rfc822; alice@example.test"
        );
    }
}
