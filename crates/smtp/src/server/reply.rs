//! A reply to the client: a three-digit code, an enhanced status code
//! (RFC 2034 / RFC 3463) where one applies, and one or more lines of text.
//! Encoding it is the one place that knows the `250-`/`250 ` layout of
//! multi-line replies, and that text can never carry a line break.

use mailflow_core::EnhancedCode;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    code: u16,
    enhanced: Option<EnhancedCode>,
    lines: Vec<String>,
}

impl Reply {
    /// A one-line reply with an enhanced status code.
    pub fn new(code: u16, enhanced: EnhancedCode, text: impl Into<String>) -> Reply {
        Reply {
            code,
            enhanced: Some(enhanced),
            lines: vec![text.into()],
        }
    }

    /// A one-line reply without an enhanced code (greeting, `354`).
    pub fn plain(code: u16, text: impl Into<String>) -> Reply {
        Reply {
            code,
            enhanced: None,
            lines: vec![text.into()],
        }
    }

    /// A multi-line reply without enhanced codes (the EHLO reply).
    pub fn multiline(code: u16, lines: Vec<String>) -> Reply {
        let lines = if lines.is_empty() {
            vec![String::new()]
        } else {
            lines
        };
        Reply {
            code,
            enhanced: None,
            lines,
        }
    }

    pub fn code(&self) -> u16 {
        self.code
    }

    pub fn enhanced(&self) -> Option<EnhancedCode> {
        self.enhanced
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// `4xx` or `5xx`.
    pub fn is_negative(&self) -> bool {
        self.code >= 400
    }

    /// `5xx`.
    pub fn is_permanent(&self) -> bool {
        self.code >= 500
    }

    /// Appends the reply as it goes on the wire, CRLF after every line.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let last = self.lines.len() - 1;
        for (index, line) in self.lines.iter().enumerate() {
            let separator = if index == last { ' ' } else { '-' };
            out.extend_from_slice(format!("{}{separator}", self.code).as_bytes());
            if let Some(enhanced) = self.enhanced {
                out.extend_from_slice(format!("{enhanced} ").as_bytes());
            }
            push_single_line(out, line);
            out.extend_from_slice(b"\r\n");
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }
}

/// Text goes on one line: any CR or LF in it becomes a space.
fn push_single_line(out: &mut Vec<u8>, text: &str) {
    out.extend(
        text.bytes()
            .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
    );
}

impl fmt::Display for Reply {
    /// The reply on one line, lines joined by a space (for logs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(enhanced) = self.enhanced {
            write!(f, " {enhanced}")?;
        }
        write!(f, " {}", self.lines.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_reply_carries_its_enhanced_code() {
        let reply = Reply::new(550, EnhancedCode(5, 1, 10), "no such recipient");
        assert_eq!(reply.to_bytes(), b"550 5.1.10 no such recipient\r\n");
        assert!(reply.is_permanent());
    }

    #[test]
    fn multiline_reply_uses_dashes_until_the_last_line() {
        let reply = Reply::multiline(
            250,
            vec!["mx.test".into(), "PIPELINING".into(), "DSN".into()],
        );
        assert_eq!(
            reply.to_bytes(),
            b"250-mx.test\r\n250-PIPELINING\r\n250 DSN\r\n"
        );
    }

    #[test]
    fn line_breaks_in_text_cannot_reach_the_wire() {
        let reply = Reply::plain(220, "evil\r\n250 injected");
        assert_eq!(reply.to_bytes(), b"220 evil  250 injected\r\n");
    }
}
