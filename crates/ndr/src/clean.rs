//! Making untrusted text safe for headers and report fields.
//!
//! Addresses, subjects, envelope ids and server replies come from other
//! people's machines. A CR or LF in any of them must not end a header line
//! early and start a header of the attacker's choosing, so every value that
//! goes into a header or a `message/delivery-status` field passes through
//! here first.

/// Free text for a header (e.g. the subject): control characters, CR and LF
/// included, become spaces; runs of spaces collapse.
pub fn header_text(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A mailbox address for `To:`: no controls, no spaces, no angle brackets.
pub fn address(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && !c.is_whitespace() && !matches!(c, '<' | '>'))
        .collect()
}

/// An address for a header: written by the mailbox encoder (quoted where it
/// must be) when it is a mailbox, else cleaned as [`address`].
pub fn mailbox(text: &str) -> String {
    match mailflow_core::Mailbox::parse(text) {
        Ok(mailbox) => mailbox.smtp().to_string(),
        Err(_) => address(text),
    }
}

/// A host name: letters, digits, dots, hyphens, and the brackets and colons
/// of an address literal. Anything else is dropped.
pub fn host(text: &str) -> String {
    let host: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
        .collect();
    if host.is_empty() {
        "localhost".to_string()
    } else {
        host
    }
}

/// A value for a `message/delivery-status` field, which must be ASCII:
/// controls become spaces, other characters outside ASCII become `?`.
pub fn field_text(text: &str) -> String {
    let ascii: String = header_text(text)
        .chars()
        .map(|c| if c.is_ascii() { c } else { '?' })
        .collect();
    ascii
}

/// An original Message-ID fit to repeat in `In-Reply-To`/`References`:
/// printable ASCII without spaces or angle brackets, or nothing.
pub fn message_id(id: &str) -> Option<String> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let fit = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>');
    fit.then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_never_survive_into_header_text() {
        let dirty = "hello\r\nBcc: victim@example.test\r\n\r\nbody";
        let clean = header_text(dirty);
        assert!(!clean.contains('\r') && !clean.contains('\n'));
        assert_eq!(clean, "hello Bcc: victim@example.test body");
    }

    #[test]
    fn addresses_lose_controls_and_brackets() {
        assert_eq!(
            address("bob@example.test>\r\nBcc: x@y"),
            "bob@example.testBcc:x@y"
        );
    }

    #[test]
    fn field_text_is_ascii() {
        assert_eq!(
            field_text("550 usuário\r\ninexistente"),
            "550 usu?rio inexistente"
        );
    }

    #[test]
    fn message_ids_with_spaces_are_not_repeated() {
        assert_eq!(
            message_id("<abc@example.test>").as_deref(),
            Some("abc@example.test")
        );
        assert_eq!(message_id("abc def@x"), None);
    }
}
