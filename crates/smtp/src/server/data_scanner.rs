//! The message after `DATA`, byte by byte: where it ends, dot-stuffing
//! removed, the size limit, and the refusal of bare CR and bare LF.
//!
//! The data ends only at CRLF `.` CRLF. A line feed without its carriage
//! return (or a carriage return without its line feed) never ends a line that
//! could be followed by the final dot: `<LF>.<LF>`, `<CR>.<CR>`,
//! `<LF>.<CR><LF>` and `<CR><LF>.<LF>` are all read as data, and the message
//! that holds them is refused whole once the real end arrives. That is what
//! stops SMTP smuggling: no byte sequence can make mailflow see the end of a
//! message where a downstream server would not, or the reverse.
//!
//! The scanner is pure (no I/O) so that it can be fed arbitrary input in tests.

use super::Reply;
use mailflow_core::EnhancedCode;

/// Why a message was read to its end but refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataRefusal {
    /// The message was larger than the limit.
    TooBig { size: u64, limit: u64 },
    /// A bare CR or bare LF somewhere in the message.
    BareLineEnding,
}

impl DataRefusal {
    /// - too big: `552 5.3.4` (RFC 3463 X.3.4, message too big for system);
    /// - bare CR or LF: `554 5.6.0` (RFC 5321 554, transaction failed; RFC 3463
    ///   X.6.0, other media error: the content is not valid SMTP data).
    pub fn reply(self) -> Reply {
        match self {
            DataRefusal::TooBig { size, limit } => Reply::new(
                552,
                EnhancedCode(5, 3, 4),
                format!("message size exceeds fixed maximum message size ({size} > {limit} bytes)"),
            ),
            DataRefusal::BareLineEnding => Reply::new(
                554,
                EnhancedCode(5, 6, 0),
                "message refused: bare CR or LF in the data; every line must end with CRLF",
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataOutcome {
    /// The message, dot-stuffing removed, CRLF line endings.
    Message(Vec<u8>),
    Refused(DataRefusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a line that followed a CRLF (or the start of data).
    LineStart,
    /// `.` at the start of a line.
    Dot,
    /// `.` CR at the start of a line.
    DotCr,
    /// Inside a line, or after a bare line ending.
    Mid,
    /// Inside a line, after a CR.
    Cr,
    /// CRLF `.` CRLF seen.
    Done,
}

/// Feed it the bytes after `354` until [`DataScanner::feed`] says where the
/// data ended, then take the [`DataOutcome`].
#[derive(Debug)]
pub struct DataScanner {
    state: State,
    limit: u64,
    size: u64,
    content: Vec<u8>,
    bare_line_ending: bool,
}

impl DataScanner {
    pub fn new(limit: u64) -> DataScanner {
        let capacity = limit.min(64 * 1024) as usize;
        DataScanner {
            state: State::LineStart,
            limit,
            size: 0,
            content: Vec::with_capacity(capacity),
            bare_line_ending: false,
        }
    }

    /// Reads `input`. Returns `Some(n)` when the data ended after the first
    /// `n` bytes (the rest is not data), `None` when all was consumed and
    /// more is needed.
    pub fn feed(&mut self, input: &[u8]) -> Option<usize> {
        let mut at = 0;
        while at < input.len() {
            if self.state == State::Mid {
                at += self.feed_inside_line(&input[at..]);
                continue;
            }
            if let Some(consumed) = self.step(input[at]) {
                at += consumed;
            }
            if self.state == State::Done {
                return Some(at);
            }
        }
        (self.state == State::Done).then_some(at)
    }

    pub fn is_finished(&self) -> bool {
        self.state == State::Done
    }

    /// What was read. Meant for a finished scanner; an unfinished one gives
    /// what it has so far.
    pub fn finish(self) -> DataOutcome {
        if self.bare_line_ending {
            DataOutcome::Refused(DataRefusal::BareLineEnding)
        } else if self.size > self.limit {
            DataOutcome::Refused(DataRefusal::TooBig {
                size: self.size,
                limit: self.limit,
            })
        } else {
            DataOutcome::Message(self.content)
        }
    }

    /// Copies the run of ordinary bytes, then handles the CR or LF that ends
    /// it. Returns the bytes consumed (at least one).
    fn feed_inside_line(&mut self, input: &[u8]) -> usize {
        let run = input
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .unwrap_or(input.len());
        self.emit(&input[..run]);
        match input.get(run) {
            Some(b'\r') => self.state = State::Cr,
            Some(_) => {
                self.bare_line_ending = true;
                self.emit(b"\n");
            }
            None => return run,
        }
        run + 1
    }

    /// Handles one byte outside a line's body. `Some(1)` when the byte was
    /// consumed, `None` when it is to be read again in the new state.
    fn step(&mut self, byte: u8) -> Option<usize> {
        match (self.state, byte) {
            (State::LineStart, b'.') => self.state = State::Dot,
            (State::Dot, b'\r') => self.state = State::DotCr,
            (State::DotCr, b'\n') => self.state = State::Done,
            (State::Cr, b'\n') => {
                self.emit(b"\r\n");
                self.state = State::LineStart;
            }
            (State::DotCr | State::Cr, _) => {
                self.bare_line_ending = true;
                self.emit(b"\r");
                self.state = State::Mid;
                return None;
            }
            // Not a dot at line start, or the stuffed dot (dropped) of a
            // longer line: the line's body goes on.
            (State::LineStart | State::Dot, _) => {
                self.state = State::Mid;
                return None;
            }
            (State::Mid | State::Done, _) => unreachable!("handled by feed"),
        }
        Some(1)
    }

    fn emit(&mut self, bytes: &[u8]) {
        self.size += bytes.len() as u64;
        if self.size > self.limit {
            self.content = Vec::new();
        } else {
            self.content.extend_from_slice(bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(input: &[u8]) -> (Option<usize>, DataOutcome) {
        let mut scanner = DataScanner::new(1000);
        let end = scanner.feed(input);
        (end, scanner.finish())
    }

    #[test]
    fn ends_at_crlf_dot_crlf_and_leaves_the_rest() {
        let (end, outcome) = scan(b"Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        assert_eq!(end, Some(24));
        assert_eq!(
            outcome,
            DataOutcome::Message(b"Subject: hi\r\n\r\nbody\r\n".to_vec())
        );
    }

    #[test]
    fn empty_message_ends_at_once() {
        assert_eq!(scan(b".\r\n"), (Some(3), DataOutcome::Message(vec![])));
    }

    #[test]
    fn dot_stuffing_is_removed() {
        let (_, outcome) = scan(b"..hidden\r\n...\r\n.\r\n");
        assert_eq!(outcome, DataOutcome::Message(b".hidden\r\n..\r\n".to_vec()));
    }

    #[test]
    fn input_split_anywhere_gives_the_same_result() {
        let input = b"a\r\n..b\r\n.\r\n";
        for split in 0..input.len() {
            let mut scanner = DataScanner::new(1000);
            assert_eq!(scanner.feed(&input[..split]), None, "split at {split}");
            assert_eq!(scanner.feed(&input[split..]), Some(input.len() - split));
            assert_eq!(
                scanner.finish(),
                DataOutcome::Message(b"a\r\n.b\r\n".to_vec())
            );
        }
    }

    #[test]
    fn smuggling_sequences_never_end_the_data() {
        let attacks: [&[u8]; 5] = [
            b"a\n.\nMAIL FROM:<x@evil.test>\r\n",
            b"a\r.\rMAIL FROM:<x@evil.test>\r\n",
            b"a\n.\r\nMAIL FROM:<x@evil.test>\r\n",
            b"a\r\n.\nMAIL FROM:<x@evil.test>\r\n",
            b"a\r\n.\r\rMAIL FROM:<x@evil.test>\r\n",
        ];
        for attack in attacks {
            let mut scanner = DataScanner::new(1000);
            assert_eq!(scanner.feed(attack), None, "{attack:?} ended the data");
            assert_eq!(scanner.feed(b".\r\n"), Some(3));
            assert_eq!(
                scanner.finish(),
                DataOutcome::Refused(DataRefusal::BareLineEnding)
            );
        }
    }

    #[test]
    fn too_big_is_read_to_the_end_and_refused() {
        let mut scanner = DataScanner::new(10);
        assert_eq!(scanner.feed(b"0123456789abcdef\r\n.\r\nNOOP"), Some(21));
        assert_eq!(
            scanner.finish(),
            DataOutcome::Refused(DataRefusal::TooBig {
                size: 18,
                limit: 10
            })
        );
    }
}
