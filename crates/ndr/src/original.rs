//! What a report needs from the original message: its subject, Message-ID,
//! the languages its writer reads, and its header section to return.

use crate::accept_language::by_quality;
use crate::clean;
use mail_parser::MessageParser;

/// The parts of the original a report uses. Text here is already cleaned
/// for use in headers.
#[derive(Debug, Clone, Default)]
pub struct Original {
    pub subject: Option<String>,
    /// Without angle brackets.
    pub message_id: Option<String>,
    /// Language tags, most wanted first: `Content-Language`, then
    /// `Accept-Language` by quality.
    pub languages: Vec<String>,
    /// The whole message with CRLF line endings.
    pub message: Vec<u8>,
    /// The length of the header section within `message`, its last CRLF
    /// included and the empty line after it excluded.
    pub header_len: usize,
}

impl Original {
    pub fn read(bytes: &[u8]) -> Original {
        let message = crlf(bytes);
        let header_len = header_section_len(&message);
        let mut original = Original {
            message,
            header_len,
            ..Original::default()
        };
        if let Some(parsed) = MessageParser::new().parse_headers(&original.message[..header_len]) {
            original.subject = parsed
                .subject()
                .map(clean::header_text)
                .filter(|s| !s.is_empty());
            original.message_id = parsed.message_id().and_then(clean::message_id);
            original.languages = languages(
                parsed.header_raw("Content-Language"),
                parsed.header_raw("Accept-Language"),
            );
        }
        original
    }

    pub fn headers(&self) -> &[u8] {
        &self.message[..self.header_len]
    }
}

/// Every line ending as CRLF: bare LF and bare CR become CRLF.
fn crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 50);
    let mut iter = bytes.iter().copied().peekable();
    while let Some(byte) = iter.next() {
        match byte {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if iter.peek() == Some(&b'\n') {
                    iter.next();
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            other => out.push(other),
        }
    }
    out
}

fn header_section_len(message: &[u8]) -> usize {
    if message.starts_with(b"\r\n") {
        return 0;
    }
    match message.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(pos) => pos + 2,
        None => message.len(),
    }
}

fn languages(content_language: Option<&str>, accept_language: Option<&str>) -> Vec<String> {
    let mut tags: Vec<String> = content_language
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().to_string())
        .filter(|tag| !tag.is_empty())
        .collect();
    tags.extend(accept_language.map(by_quality).unwrap_or_default());
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_section_ends_before_the_empty_line() {
        let original = Original::read(b"Subject: hi\nMessage-ID: <a@b>\n\nbody\n");
        assert_eq!(original.headers(), b"Subject: hi\r\nMessage-ID: <a@b>\r\n");
        assert_eq!(
            original.message,
            b"Subject: hi\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n"
        );
        assert_eq!(original.subject.as_deref(), Some("hi"));
        assert_eq!(original.message_id.as_deref(), Some("a@b"));
    }

    #[test]
    fn languages_come_from_content_language_then_accept_language_by_quality() {
        let original = Original::read(
            b"Content-Language: pt-BR\r\nAccept-Language: ru;q=0.5, zh-TW, en;q=0.8\r\n\r\nx",
        );
        assert_eq!(original.languages, ["pt-BR", "zh-TW", "en", "ru"]);
    }

    #[test]
    fn a_message_without_a_body_is_all_headers() {
        let original = Original::read(b"Subject: only headers\r\n");
        assert_eq!(original.headers(), b"Subject: only headers\r\n");
    }
}
