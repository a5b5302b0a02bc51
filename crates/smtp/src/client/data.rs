//! The message body as it goes on the wire after `DATA`: dot-stuffed, ending
//! in CRLF, followed by the final dot.

/// Doubles every dot that starts a line and appends the end-of-data marker.
/// A non-empty body that does not end in CRLF gets one first.
pub fn dot_stuff(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / 64 + 5);
    let mut at_line_start = true;
    for &byte in body {
        if at_line_start && byte == b'.' {
            out.push(b'.');
        }
        out.push(byte);
        at_line_start = byte == b'\n';
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_dots_are_doubled_and_the_final_dot_added() {
        let body = b".hidden\r\nplain\r\n..two\r\n";
        assert_eq!(
            dot_stuff(body),
            b"..hidden\r\nplain\r\n...two\r\n.\r\n".to_vec()
        );
    }

    #[test]
    fn a_body_without_a_final_crlf_gets_one() {
        assert_eq!(dot_stuff(b"last line"), b"last line\r\n.\r\n".to_vec());
    }

    #[test]
    fn an_empty_body_is_just_the_final_dot() {
        assert_eq!(dot_stuff(b""), b".\r\n".to_vec());
    }
}
