//! Reading one reply out of the bytes received so far.
//!
//! `smtp-proto` decides where a (multi-line) reply ends and gives its code
//! and text; the enhanced status code is read from the first line here, so
//! that codes such as `4.7.509` survive exactly as the server sent them.

use super::error::Broken;
use mailflow_core::{EnhancedCode, RemoteReply};
use smtp_proto::response::parser::ResponseReceiver;

/// A reply taken out of the receive buffer, with the bytes it came in.
pub(crate) struct ParsedReply {
    pub reply: RemoteReply,
    pub raw: Vec<u8>,
}

/// Takes one complete reply off the front of `buffer`; `Ok(None)` when more
/// bytes are needed.
pub(crate) fn take_reply(buffer: &mut Vec<u8>) -> Result<Option<ParsedReply>, Broken> {
    let mut bytes = buffer.iter();
    let response = match ResponseReceiver::default().parse(&mut bytes) {
        Ok(response) => response,
        Err(smtp_proto::Error::NeedsMoreData { .. }) => return Ok(None),
        Err(error) => {
            return Err(Broken::Malformed {
                reason: format!("{error:?}"),
            });
        }
    };
    let consumed = buffer.len() - bytes.len();
    let raw: Vec<u8> = buffer.drain(..consumed).collect();
    let reply = RemoteReply {
        code: response.code,
        enhanced: enhanced_code(&raw, response.code),
        text: join_lines(&response.message),
    };
    Ok(Some(ParsedReply { reply, raw }))
}

/// The enhanced code at the start of the first line's text, when its class
/// agrees with the reply code (RFC 3463).
fn enhanced_code(raw: &[u8], code: u16) -> Option<EnhancedCode> {
    let text = raw.get(4..)?;
    let end = text
        .iter()
        .position(|byte| matches!(byte, b' ' | b'\r' | b'\n'))
        .unwrap_or(text.len());
    let token = std::str::from_utf8(&text[..end]).ok()?;
    EnhancedCode::parse(token).filter(|enhanced| u16::from(enhanced.0) == code / 100)
}

fn join_lines(message: &str) -> String {
    message
        .split('\n')
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(text: &str) -> (Option<RemoteReply>, usize) {
        let mut buffer = text.as_bytes().to_vec();
        let reply = take_reply(&mut buffer).unwrap().map(|parsed| parsed.reply);
        (reply, buffer.len())
    }

    #[test]
    fn a_single_line_reply_keeps_its_enhanced_code_and_text() {
        let (reply, left) = take("550 5.1.1 no such user here\r\n");
        let reply = reply.unwrap();
        assert_eq!(reply.code, 550);
        assert_eq!(reply.enhanced, Some(EnhancedCode(5, 1, 1)));
        assert_eq!(reply.text, "no such user here");
        assert_eq!(left, 0);
    }

    #[test]
    fn a_three_digit_detail_code_survives() {
        let (reply, _) = take("450 4.7.509 try later\r\n");
        assert_eq!(reply.unwrap().enhanced, Some(EnhancedCode(4, 7, 509)));
    }

    #[test]
    fn multi_line_replies_are_joined_and_the_next_reply_stays_buffered() {
        let (reply, left) = take("451-4.3.0 first\r\n451 4.3.0 second\r\n250 ok\r\n");
        let reply = reply.unwrap();
        assert_eq!(reply.text, "first second");
        assert_eq!(left, "250 ok\r\n".len());
    }

    #[test]
    fn an_unfinished_reply_asks_for_more_bytes() {
        assert_eq!(take("250-first\r\n250 sec").0, None);
    }

    #[test]
    fn garbage_is_malformed() {
        let mut buffer = b"hello there\r\n".to_vec();
        assert!(matches!(
            take_reply(&mut buffer),
            Err(Broken::Malformed { .. })
        ));
    }
}
