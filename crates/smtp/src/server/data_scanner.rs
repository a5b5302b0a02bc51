//! The message after `DATA`, byte by byte: where it ends, dot-stuffing
//! removed, the size limits of the message, of its header block and of its
//! lines, and the refusal of bare CR and bare LF.
//!
//! The data ends only at CRLF `.` CRLF. A line feed without its carriage
//! return (or a carriage return without its line feed) never ends a line that
//! could be followed by the final dot: `<LF>.<LF>`, `<CR>.<CR>`,
//! `<LF>.<CR><LF>` and `<CR><LF>.<LF>` are all read as data, and the message
//! that holds them is refused whole once the real end arrives. That is what
//! stops SMTP smuggling: no byte sequence can make mailflow see the end of a
//! message where a downstream server would not, or the reverse.
//!
//! A message that will be refused is read to its end but no longer kept:
//! what was kept is dropped the moment the refusal is certain (too big, a
//! header block or a line too long, a bare line ending, no memory), so a
//! 5 MB line or a 1 GB message costs no more memory than an empty one.
//!
//! The scanner is pure (no I/O) so that it can be fed arbitrary input in tests.

use super::Reply;
use mailflow_core::{EnhancedCode, MessageBytes};

/// Why a message was read to its end but refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataRefusal {
    /// The message was larger than the limit.
    TooBig { size: u64, limit: u64 },
    /// The header block (everything before the first empty line) was
    /// larger than its limit.
    HeaderTooBig { limit: u64 },
    /// A bare CR or bare LF somewhere in the message.
    BareLineEnding,
    /// A line longer than the limit (characters, its CRLF not counted).
    LineTooLong { limit: u64 },
    /// The memory shared by all sessions had no room to keep the message
    /// (see [`super::MemoryBudget`]); it may be sent again later.
    NoMemory,
}

impl DataRefusal {
    /// - too big, or its header block too big: `552 5.3.4` (RFC 3463 X.3.4,
    ///   message too big for system);
    /// - bare CR or LF: `554 5.6.0` (RFC 5321 554, transaction failed; RFC 3463
    ///   X.6.0, other media error: the content is not valid SMTP data);
    /// - a line too long: `554 5.6.0` as well. RFC 5321 4.5.3.1.9 gives
    ///   "500 Line too long" as an example, but 500 is not among the replies
    ///   to the end of data (RFC 5321 4.3.2: 250, 552, 554, 451, 452, 450,
    ///   550), and 552 with X.3.4 says the message is too big, which it need
    ///   not be. The content is what cannot be carried as it is (RFC 5322
    ///   2.1.1, RFC 2045 2.8: lines of at most 998 characters): the sender
    ///   must encode it (quoted-printable, base64), the same class as a bare
    ///   line ending. The text says "line too long" in RFC 5321's words.
    /// - no memory to keep it: `452 4.3.1` (RFC 5321 452, insufficient system
    ///   storage; RFC 3463 X.3.1, mail system full), temporary.
    pub fn reply(self) -> Reply {
        match self {
            DataRefusal::TooBig { size, limit } => Reply::new(
                552,
                EnhancedCode(5, 3, 4),
                format!("message size exceeds fixed maximum message size ({size} > {limit} bytes)"),
            ),
            DataRefusal::HeaderTooBig { limit } => Reply::new(
                552,
                EnhancedCode(5, 3, 4),
                format!("message header exceeds fixed maximum header size ({limit} bytes)"),
            ),
            DataRefusal::BareLineEnding => Reply::new(
                554,
                EnhancedCode(5, 6, 0),
                "message refused: bare CR or LF in the data; every line must end with CRLF",
            ),
            DataRefusal::LineTooLong { limit } => Reply::new(
                554,
                EnhancedCode(5, 6, 0),
                format!(
                    "message refused: line too long (more than {limit} characters); \
                     encode the content, e.g. quoted-printable or base64"
                ),
            ),
            DataRefusal::NoMemory => Reply::new(
                452,
                EnhancedCode(4, 3, 1),
                "insufficient system resources to take the message now, try again later",
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataOutcome {
    /// The message, dot-stuffing removed, CRLF line endings.
    Message(MessageBytes),
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

/// The most a message may hold, in bytes after dot-stuffing is removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataLimits {
    pub max_size: u64,
    /// The header block alone (the empty line that ends it not counted).
    pub max_header_size: u64,
    /// One line, its CRLF not counted (a stuffed dot neither).
    pub max_line_length: u64,
}

impl DataLimits {
    /// A size limit only: the header block may fill the message, and a
    /// line be as long as the message.
    pub fn size(max_size: u64) -> DataLimits {
        DataLimits {
            max_size,
            max_header_size: max_size,
            max_line_length: max_size,
        }
    }
}

/// Feed it the bytes after `354` until [`DataScanner::feed`] says where the
/// data ended, then take the [`DataOutcome`].
#[derive(Debug)]
pub struct DataScanner {
    state: State,
    limits: DataLimits,
    size: u64,
    /// Bytes of the header block so far, while it lasts.
    header_size: u64,
    in_header: bool,
    /// Bytes emitted since the last CRLF: zero at a CRLF means an empty line.
    line_length: u64,
    content: MessageBytes,
    bare_line_ending: bool,
    line_too_long: bool,
    /// Told to stop keeping the message: no memory for it.
    no_memory: bool,
}

impl DataScanner {
    pub fn new(limits: DataLimits) -> DataScanner {
        DataScanner {
            state: State::LineStart,
            limits,
            size: 0,
            header_size: 0,
            in_header: true,
            line_length: 0,
            content: MessageBytes::new(),
            bare_line_ending: false,
            line_too_long: false,
            no_memory: false,
        }
    }

    /// Bytes of the message kept so far.
    pub fn kept(&self) -> usize {
        self.content.len()
    }

    /// The memory the kept message will take once `more` bytes of input
    /// are fed (at most: dot-stuffing and the end of the data take some
    /// away). Nothing is allocated beyond it.
    pub fn capacity_after(&self, more: usize) -> usize {
        if self.keeping() {
            self.content.capacity_after(more)
        } else {
            0
        }
    }

    /// Drops what was kept and keeps nothing more: the message is still
    /// read to its end, then refused as [`DataRefusal::NoMemory`] (unless a
    /// permanent refusal applies).
    pub fn stop_keeping(&mut self) {
        self.no_memory = true;
        self.content = MessageBytes::new();
    }

    /// Whether the message is still being kept: false once it is certain to
    /// be refused (and what was kept is dropped then).
    pub fn keeping(&self) -> bool {
        !self.no_memory
            && !self.bare_line_ending
            && !self.line_too_long
            && self.size <= self.limits.max_size
            && self.header_size <= self.limits.max_header_size
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
        } else if self.size > self.limits.max_size {
            DataOutcome::Refused(DataRefusal::TooBig {
                size: self.size,
                limit: self.limits.max_size,
            })
        } else if self.header_size > self.limits.max_header_size {
            DataOutcome::Refused(DataRefusal::HeaderTooBig {
                limit: self.limits.max_header_size,
            })
        } else if self.line_too_long {
            DataOutcome::Refused(DataRefusal::LineTooLong {
                limit: self.limits.max_line_length,
            })
        } else if self.no_memory {
            DataOutcome::Refused(DataRefusal::NoMemory)
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
                // The first empty line ends the header block.
                if self.line_length == 0 {
                    self.in_header = false;
                }
                self.keep(b"\r\n");
                self.line_length = 0;
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

    /// Bytes of a line's text (a bare CR or LF included: it ends no line).
    fn emit(&mut self, bytes: &[u8]) {
        self.line_length += bytes.len() as u64;
        if self.line_length > self.limits.max_line_length {
            self.line_too_long = true;
        }
        self.keep(bytes);
    }

    /// Counts `bytes` and keeps them while the message is kept; drops what
    /// was kept once it is not.
    fn keep(&mut self, bytes: &[u8]) {
        let length = bytes.len() as u64;
        self.size += length;
        if self.in_header {
            self.header_size += length;
            // Once over, counting stops: the message is refused either way.
            if self.header_size > self.limits.max_header_size {
                self.in_header = false;
            }
        }
        if self.keeping() {
            self.content.extend_from_slice(bytes);
        } else if !self.content.is_empty() {
            self.content = MessageBytes::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(input: &[u8]) -> (Option<usize>, DataOutcome) {
        let mut scanner = DataScanner::new(DataLimits::size(1000));
        let end = scanner.feed(input);
        (end, scanner.finish())
    }

    #[test]
    fn ends_at_crlf_dot_crlf_and_leaves_the_rest() {
        let (end, outcome) = scan(b"Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        assert_eq!(end, Some(24));
        assert_eq!(
            outcome,
            DataOutcome::Message(b"Subject: hi\r\n\r\nbody\r\n".into())
        );
    }

    #[test]
    fn empty_message_ends_at_once() {
        assert_eq!(
            scan(b".\r\n"),
            (Some(3), DataOutcome::Message(Default::default()))
        );
    }

    #[test]
    fn dot_stuffing_is_removed() {
        let (_, outcome) = scan(b"..hidden\r\n...\r\n.\r\n");
        assert_eq!(outcome, DataOutcome::Message(b".hidden\r\n..\r\n".into()));
    }

    #[test]
    fn input_split_anywhere_gives_the_same_result() {
        let input = b"a\r\n..b\r\n.\r\n";
        for split in 0..input.len() {
            let mut scanner = DataScanner::new(DataLimits::size(1000));
            assert_eq!(scanner.feed(&input[..split]), None, "split at {split}");
            assert_eq!(scanner.feed(&input[split..]), Some(input.len() - split));
            assert_eq!(
                scanner.finish(),
                DataOutcome::Message(b"a\r\n.b\r\n".into())
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
            let mut scanner = DataScanner::new(DataLimits::size(1000));
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
        let mut scanner = DataScanner::new(DataLimits::size(10));
        assert_eq!(scanner.feed(b"0123456789abcdef\r\n.\r\nNOOP"), Some(21));
        assert_eq!(
            scanner.finish(),
            DataOutcome::Refused(DataRefusal::TooBig {
                size: 18,
                limit: 10
            })
        );
    }

    fn scan_with_header_limit(input: &[u8], max_header_size: u64) -> DataOutcome {
        let mut scanner = DataScanner::new(DataLimits {
            max_header_size,
            ..DataLimits::size(1000)
        });
        assert_eq!(scanner.feed(input), Some(input.len()));
        scanner.finish()
    }

    #[test]
    fn a_header_block_over_its_limit_is_refused_once_the_data_ends() {
        // 21 bytes of header lines, the limit 20.
        let input = b"Subject: 0123456789\r\n\r\nbody\r\n.\r\n";
        assert_eq!(
            scan_with_header_limit(input, 20),
            DataOutcome::Refused(DataRefusal::HeaderTooBig { limit: 20 })
        );
        assert!(matches!(
            scan_with_header_limit(input, 21),
            DataOutcome::Message(_)
        ));
    }

    #[test]
    fn the_header_limit_ends_at_the_first_empty_line() {
        // The body is far longer than the header limit; the header is not.
        let input = b"A: b\r\n\r\n0123456789012345678901234567890123456789\r\n\r\nC: d\r\n.\r\n";
        assert!(matches!(
            scan_with_header_limit(input, 6),
            DataOutcome::Message(_)
        ));
    }

    #[test]
    fn a_message_without_an_empty_line_is_all_header() {
        let input = b"A: 0123456789\r\nB: 0123456789\r\n.\r\n";
        assert_eq!(
            scan_with_header_limit(input, 20),
            DataOutcome::Refused(DataRefusal::HeaderTooBig { limit: 20 })
        );
    }

    #[test]
    fn a_message_no_longer_kept_is_read_to_its_end_and_refused_for_now() {
        let mut scanner = DataScanner::new(DataLimits::size(1000));
        assert_eq!(scanner.feed(b"Subject: x\r\n\r\n"), None);
        assert_eq!(scanner.kept(), 14);
        scanner.stop_keeping();
        assert_eq!(scanner.kept(), 0);
        assert_eq!(scanner.feed(b"body\r\n.\r\nQUIT\r\n"), Some(9));
        assert_eq!(scanner.kept(), 0, "nothing more was kept");
        assert_eq!(
            scanner.finish(),
            DataOutcome::Refused(DataRefusal::NoMemory)
        );
    }

    fn with_line_limit(max_line_length: u64) -> DataScanner {
        DataScanner::new(DataLimits {
            max_line_length,
            ..DataLimits::size(10_000_000)
        })
    }

    #[test]
    fn a_line_of_the_limit_is_taken_and_one_more_character_is_refused_after_the_end() {
        // Ten characters; a leading stuffed dot is not one of them.
        let input = b"Subject: x\r\n\r\n0123456789\r\n..23456789\r\n.\r\n";
        let mut scanner = with_line_limit(10);
        assert_eq!(scanner.feed(input), Some(input.len()));
        assert!(matches!(scanner.finish(), DataOutcome::Message(_)));

        let input = b"Subject: x\r\n\r\n0123456789A\r\nnext\r\n.\r\nQUIT\r\n";
        let mut scanner = with_line_limit(10);
        assert_eq!(
            scanner.feed(input),
            Some(input.len() - 6),
            "read to its end"
        );
        assert_eq!(
            scanner.finish(),
            DataOutcome::Refused(DataRefusal::LineTooLong { limit: 10 })
        );
    }

    #[test]
    fn a_long_line_is_not_kept_while_it_is_read() {
        let mut scanner = with_line_limit(998);
        assert_eq!(scanner.feed(b"Subject: x\r\n\r\n"), None);
        assert!(scanner.keeping());
        let piece = [b'x'; 4096];
        scanner.feed(&piece);
        assert!(
            !scanner.keeping(),
            "refused as soon as the line passed the limit"
        );
        assert_eq!(scanner.kept(), 0, "what was kept is dropped");
        for _ in 0..1000 {
            assert_eq!(scanner.feed(&piece), None);
            assert_eq!(
                (scanner.kept(), scanner.capacity_after(piece.len())),
                (0, 0)
            );
        }
        assert_eq!(scanner.feed(b"\r\nshort\r\n.\r\n"), Some(12));
        assert_eq!(
            scanner.finish(),
            DataOutcome::Refused(DataRefusal::LineTooLong { limit: 998 })
        );
    }

    #[test]
    fn a_long_header_line_counts_too() {
        let input = b"Subject: 0123456789\r\n\r\nbody\r\n.\r\n";
        let mut scanner = with_line_limit(18);
        assert_eq!(scanner.feed(input), Some(input.len()));
        assert_eq!(
            scanner.finish(),
            DataOutcome::Refused(DataRefusal::LineTooLong { limit: 18 })
        );
    }

    #[test]
    fn a_line_too_long_is_answered_554_5_6_0_saying_so() {
        let reply = DataRefusal::LineTooLong { limit: 998 }.reply();
        assert_eq!(
            (reply.code(), reply.enhanced()),
            (554, Some(EnhancedCode(5, 6, 0)))
        );
        let text = String::from_utf8(reply.to_bytes()).unwrap();
        assert!(
            text.contains("line too long (more than 998 characters)"),
            "{text}"
        );
    }
}
