//! The message's own `Message-ID:` header (RFC 5322 3.6.4), read at receive
//! and kept with the message, so that the trace finds a message by the id
//! its sender and its recipients see.

/// Longest value kept: a header line's limit. A longer one is not an id
/// anybody will search for.
const MAX_LEN: usize = 998;

/// The value of the first `Message-ID:` field of the header section,
/// unfolded, without its angle brackets and surrounding space; `None` when
/// there is none, or it is empty or too long. Reads the header lines one at
/// a time, whatever chunks hold them, and stops at the end of the header.
pub fn message_id_header(message: impl IntoIterator<Item = u8>) -> Option<String> {
    let mut bytes = message.into_iter().peekable();
    let mut field: Option<Vec<u8>> = None;
    loop {
        let mut line = Vec::new();
        let mut ended = false;
        for byte in bytes.by_ref() {
            if byte == b'\n' {
                ended = true;
                break;
            }
            line.push(byte);
        }
        let text = line.strip_suffix(b"\r").unwrap_or(&line);
        let folded = text.starts_with(b" ") || text.starts_with(b"\t");
        match &mut field {
            // A folded line goes on with the field before.
            Some(value) if folded => value.extend_from_slice(text),
            Some(_) => break,
            None if text.is_empty() => return None,
            None => field = message_id_value(text).map(<[u8]>::to_vec),
        }
        if value_too_long(&field) {
            return None;
        }
        // The field may go on in a folded line: look at the next one.
        let next_folds = matches!(bytes.peek(), Some(b' ' | b'\t'));
        if !ended || (field.is_some() && !next_folds) {
            break;
        }
    }
    let value = String::from_utf8(field?).ok()?;
    let id = value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty()).then(|| id.to_string())
}

fn value_too_long(field: &Option<Vec<u8>>) -> bool {
    field.as_ref().is_some_and(|value| value.len() > MAX_LEN)
}

/// What follows the colon of a `Message-ID:` field starting on this line.
fn message_id_value(line: &[u8]) -> Option<&[u8]> {
    if line.starts_with(b" ") || line.starts_with(b"\t") {
        return None;
    }
    let colon = line.iter().position(|&b| b == b':')?;
    line[..colon]
        .trim_ascii_end()
        .eq_ignore_ascii_case(b"message-id")
        .then(|| &line[colon + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(message: &str) -> Option<String> {
        message_id_header(message.bytes())
    }

    #[test]
    fn the_id_comes_without_its_angle_brackets() {
        let message = "Subject: hi\r\nMessage-ID: <abc.123@example.test>\r\n\r\nbody\r\n";
        assert_eq!(read(message).as_deref(), Some("abc.123@example.test"));
        let lower = "message-id:<x@y.test>\r\n\r\n";
        assert_eq!(read(lower).as_deref(), Some("x@y.test"));
    }

    #[test]
    fn a_folded_id_is_unfolded() {
        let message = "Message-ID:\r\n <folded@example.test>\r\nSubject: x\r\n\r\n";
        assert_eq!(read(message).as_deref(), Some("folded@example.test"));
    }

    #[test]
    fn only_the_header_section_counts() {
        assert_eq!(
            read("Subject: x\r\n\r\nMessage-ID: <body@x.test>\r\n"),
            None
        );
        assert_eq!(read("Subject: x\r\n"), None);
        assert_eq!(read("Message-ID: <>\r\n\r\n"), None);
        let long = format!("Message-ID: <{}@x.test>\r\n\r\n", "a".repeat(1200));
        assert_eq!(read(&long), None);
    }

    #[test]
    fn the_first_field_wins() {
        let message = "Message-ID: <one@x.test>\r\nMessage-ID: <two@x.test>\r\n\r\n";
        assert_eq!(read(message).as_deref(), Some("one@x.test"));
    }
}
