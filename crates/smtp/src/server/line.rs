//! What can be wrong with a command line before it is even parsed. A command
//! line ends in CRLF and nowhere else: a bare LF or a bare CR is how SMTP
//! smuggling starts, and a NUL byte has no place in a command.

use super::Reply;
use mailflow_core::EnhancedCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineProblem {
    /// Longer than the limit; the rest of the line was discarded.
    TooLong,
    /// A line feed not preceded by a carriage return.
    BareLf,
    /// A carriage return not followed by a line feed.
    BareCr,
    /// A NUL byte.
    Nul,
}

impl LineProblem {
    /// The refusal for a bad command line:
    /// - too long: `500 5.5.6` (RFC 5321 4.5.3.1.4: "line too long");
    /// - bare LF, bare CR, NUL: `500 5.5.2` (RFC 3463 X.5.2, syntax error),
    ///   with a text saying which byte was wrong.
    pub fn reply(self) -> Reply {
        let syntax = EnhancedCode(5, 5, 2);
        match self {
            LineProblem::TooLong => Reply::new(500, EnhancedCode(5, 5, 6), "line too long"),
            LineProblem::BareLf => Reply::new(
                500,
                syntax,
                "bare LF in command refused: lines must end with CRLF",
            ),
            LineProblem::BareCr => Reply::new(
                500,
                syntax,
                "bare CR in command refused: lines must end with CRLF",
            ),
            LineProblem::Nul => Reply::new(500, syntax, "NUL byte in command refused"),
        }
    }
}

/// Checks one line, which runs up to and including its first LF.
/// `Ok` when it ends in CRLF and holds no other CR, and no NUL.
pub fn classify_line(line: &[u8]) -> Result<(), LineProblem> {
    let Some((&b'\n', body)) = line.split_last() else {
        return Err(LineProblem::TooLong);
    };
    let Some((&b'\r', text)) = body.split_last() else {
        return Err(LineProblem::BareLf);
    };
    if text.contains(&b'\r') {
        return Err(LineProblem::BareCr);
    }
    if text.contains(&0) {
        return Err(LineProblem::Nul);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_line_is_fine() {
        assert_eq!(classify_line(b"NOOP\r\n"), Ok(()));
    }

    #[test]
    fn bare_lf_bare_cr_and_nul_are_named() {
        assert_eq!(classify_line(b"NOOP\n"), Err(LineProblem::BareLf));
        assert_eq!(classify_line(b"NO\rOP\r\n"), Err(LineProblem::BareCr));
        assert_eq!(classify_line(b"NOOP\r\r\n"), Err(LineProblem::BareCr));
        assert_eq!(classify_line(b"NO\0OP\r\n"), Err(LineProblem::Nul));
    }

    #[test]
    fn replies_carry_the_codes_documented() {
        assert_eq!(
            LineProblem::TooLong.reply().to_bytes(),
            b"500 5.5.6 line too long\r\n"
        );
        assert_eq!(
            LineProblem::BareLf.reply().enhanced(),
            Some(EnhancedCode(5, 5, 2))
        );
    }
}
