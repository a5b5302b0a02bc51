//! The message body as it goes on the wire after `DATA`: dot-stuffed, ending
//! in CRLF, followed by the final dot.
//!
//! `DotStuffer` does it piece by piece, so that a body is sent from where it
//! is stored without being held whole; `dot_stuff` does it on a whole body
//! and is the reference the piecewise form is tested against.

/// What `MAIL FROM` says about the body (`SIZE=`, `BODY=8BITMIME`), known
/// without holding the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyInfo {
    /// Bytes in the body, not dot-stuffed.
    pub size: u64,
    /// Some byte of the body is not ASCII.
    pub eight_bit: bool,
}

impl BodyInfo {
    /// The facts of a body held whole.
    pub fn of(body: &[u8]) -> BodyInfo {
        BodyInfo {
            size: body.len() as u64,
            eight_bit: !body.is_ascii(),
        }
    }
}

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

/// `dot_stuff` for a body given in pieces: what it writes for the pieces in
/// turn, then `finish`, is `dot_stuff` of the whole body, however it is
/// split. It keeps only the two bytes it needs across pieces.
#[derive(Debug, Clone, Default)]
pub struct DotStuffer {
    /// The last two body bytes seen; `None` before there were that many.
    last: [Option<u8>; 2],
}

impl DotStuffer {
    /// The most bytes `push` writes for a piece of `len` bytes: a dot is
    /// doubled at most once per line, and a line holds at least its LF.
    pub fn max_output(len: usize) -> usize {
        len + len / 2 + 1
    }

    /// Appends the stuffed form of the next piece of the body to `out`.
    pub fn push(&mut self, piece: &[u8], out: &mut Vec<u8>) {
        let mut at_line_start = matches!(self.last[1], None | Some(b'\n'));
        let mut start = 0;
        for (i, &byte) in piece.iter().enumerate() {
            if at_line_start && byte == b'.' {
                out.extend_from_slice(&piece[start..i]);
                out.push(b'.');
                start = i;
            }
            at_line_start = byte == b'\n';
        }
        out.extend_from_slice(&piece[start..]);
        match piece {
            [] => {}
            [only] => self.last = [self.last[1], Some(*only)],
            [.., before, last] => self.last = [Some(*before), Some(*last)],
        }
    }

    /// Appends the end of the data: CRLF when the body was not empty and
    /// did not end in one, then the final dot.
    pub fn finish(self, out: &mut Vec<u8>) {
        let ends_in_crlf = self.last == [Some(b'\r'), Some(b'\n')];
        if self.last[1].is_some() && !ends_in_crlf {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn leading_dots_are_doubled_and_the_final_dot_added() {
        let body = b".hidden\r\nplain\r\n..two\r\n";
        let stuffed = b"..hidden\r\nplain\r\n...two\r\n.\r\n".to_vec();
        assert_eq!(dot_stuff(body), stuffed);
        assert_eq!(in_pieces(body, &[1, 9, 10]), stuffed);
    }

    #[test]
    fn a_body_without_a_final_crlf_gets_one() {
        assert_eq!(dot_stuff(b"last line"), b"last line\r\n.\r\n".to_vec());
        assert_eq!(
            in_pieces(b"last line", &[4]),
            b"last line\r\n.\r\n".to_vec()
        );
        assert_eq!(in_pieces(b"x\r", &[1]), b"x\r\r\n.\r\n".to_vec());
    }

    #[test]
    fn an_empty_body_is_just_the_final_dot() {
        assert_eq!(dot_stuff(b""), b".\r\n".to_vec());
        assert_eq!(in_pieces(b"", &[]), b".\r\n".to_vec());
    }

    #[test]
    fn a_dot_first_in_a_piece_is_doubled_only_at_a_line_start() {
        // The piece starts right after the LF: the dot starts a line.
        assert_eq!(
            in_pieces(b"a\r\n.b\r\n", &[3]),
            b"a\r\n..b\r\n.\r\n".to_vec()
        );
        // The piece starts mid-line: the dot is left alone.
        assert_eq!(in_pieces(b"a.b\r\n", &[1]), b"a.b\r\n.\r\n".to_vec());
        // A line of one dot ending a body split between CR and LF.
        assert_eq!(
            in_pieces(b"x\r\n.\r\n", &[4, 5]),
            b"x\r\n..\r\n.\r\n".to_vec()
        );
    }

    #[test]
    fn a_crlf_split_across_pieces_still_ends_the_body() {
        assert_eq!(in_pieces(b"end\r\n", &[4]), b"end\r\n.\r\n".to_vec());
        // A one-byte last piece: the CR came with the piece before.
        assert_eq!(in_pieces(b"e\r\n", &[2]), b"e\r\n.\r\n".to_vec());
        assert_eq!(in_pieces(b"\r\n", &[1]), b"\r\n.\r\n".to_vec());
    }

    /// The body cut at `cuts` (ascending offsets), stuffed piece by piece.
    fn in_pieces(body: &[u8], cuts: &[usize]) -> Vec<u8> {
        let mut stuffer = DotStuffer::default();
        let mut out = Vec::new();
        let mut start = 0;
        for &cut in cuts.iter().chain([&body.len()]) {
            let piece = &body[start..cut];
            let before = out.len();
            stuffer.push(piece, &mut out);
            assert!(out.len() - before <= DotStuffer::max_output(piece.len()));
            start = cut;
        }
        stuffer.finish(&mut out);
        out
    }

    /// Bodies rich in what stuffing cares about: dots, CR, LF.
    fn body() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            4 => Just(b'.'),
            3 => Just(b'\r'),
            3 => Just(b'\n'),
            2 => any::<u8>(),
        ];
        prop::collection::vec(byte, 0..200)
    }

    fn body_and_cuts() -> impl Strategy<Value = (Vec<u8>, Vec<usize>)> {
        body().prop_flat_map(|body| {
            let len = body.len();
            let cuts = prop::collection::vec(0..=len, 0..12).prop_map(|mut cuts| {
                cuts.sort_unstable();
                cuts
            });
            (Just(body), cuts)
        })
    }

    proptest! {
        #[test]
        fn stuffing_in_pieces_equals_stuffing_the_whole_body((body, cuts) in body_and_cuts()) {
            prop_assert_eq!(in_pieces(&body, &cuts), dot_stuff(&body));
        }

        #[test]
        fn stuffing_byte_by_byte_equals_stuffing_the_whole_body(body in body()) {
            let cuts: Vec<usize> = (0..body.len()).collect();
            prop_assert_eq!(in_pieces(&body, &cuts), dot_stuff(&body));
        }
    }
}
