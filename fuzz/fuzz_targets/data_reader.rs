//! The DATA reader's scanner (`DataScanner`), fed the bytes after `354`.
//!
//! Input layout: byte 0 picks the size limit (the header block's limit is
//! the same, so only the model's size refusal applies), byte 1 seeds the chunk sizes
//! (0 to 16 bytes, empty feeds included, as the reader may make them), the
//! rest is what the client sent.
//!
//! Never a panic, and these hold for any input:
//! - fed whole or in any chunks, the scanner ends at the same byte with the
//!   same outcome, and never claims more bytes than it was given;
//! - it ends exactly where a plain model says: the first `.` CRLF that starts
//!   the data or follows a CRLF (so `<LF>.<LF>`, `<CR>.<CR>` and friends
//!   never end it);
//! - the outcome is the model's: refused for a bare CR or LF anywhere before
//!   the end, refused as too big past the limit (with the size of the
//!   unstuffed message), else the message with one leading dot taken off
//!   each line that has one;
//! - an accepted message has CRLF line endings only, fits the limit, and
//!   going out again (the client's `dot_stuff`) it reads back the same;
//! - whatever the client side sends (`dot_stuff` of the input as a body)
//!   ends exactly at its final dot: no body can end the data early.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mailflow_smtp::client::dot_stuff;
use mailflow_smtp::server::{DataLimits, DataOutcome, DataRefusal, DataScanner};

fuzz_target!(|input: &[u8]| {
    let [limit_pick, seed, data @ ..] = input else {
        return;
    };
    let limit = match limit_pick {
        0..=199 => u64::from(*limit_pick),
        200..=254 => 64 * 1024,
        255 => u64::MAX,
    };

    let whole = scan_whole(data, limit);
    let chunked = scan_in_chunks(data, limit, *seed);
    assert_eq!(whole, chunked, "whole and chunked differ");

    let (end, outcome) = whole;
    let model_end = model_end(data);
    assert_eq!(
        end, model_end,
        "ended at {end:?}, the model says {model_end:?}"
    );
    if let Some(end) = end {
        assert_eq!(outcome, model_outcome(&data[..end - 3], limit));
    }

    if let (Some(end), DataOutcome::Message(message)) = (end, &outcome) {
        let bytes = message.to_vec();
        check_accepted(&bytes, limit);
        assert_eq!(message.is_empty(), end == 3);
        let sent = dot_stuff(&bytes);
        assert_eq!(
            scan_whole(&sent, limit),
            (Some(sent.len()), DataOutcome::Message(message.clone())),
            "an accepted message does not read back after dot-stuffing"
        );
    }

    // What mailflow's client sends for this body ends at its final dot only.
    let sent = dot_stuff(data);
    let (sent_end, _) = scan_whole(&sent, u64::MAX);
    assert_eq!(sent_end, Some(sent.len()), "a stuffed body ended early");
});

fn scan_whole(data: &[u8], limit: u64) -> (Option<usize>, DataOutcome) {
    let mut scanner = DataScanner::new(DataLimits::size(limit));
    let end = scanner.feed(data);
    if let Some(end) = end {
        assert!(end <= data.len());
        assert!(scanner.is_finished());
    } else {
        assert!(!scanner.is_finished());
    }
    (end, scanner.finish())
}

fn scan_in_chunks(data: &[u8], limit: u64, seed: u8) -> (Option<usize>, DataOutcome) {
    let mut scanner = DataScanner::new(DataLimits::size(limit));
    let mut state = u32::from(seed) | 0x100;
    let mut at = 0;
    loop {
        // xorshift: a fixed sequence of chunk sizes for each seed.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let size = (state % 17) as usize;
        let chunk = &data[at..(at + size).min(data.len())];
        match scanner.feed(chunk) {
            Some(used) => {
                assert!(used <= chunk.len(), "used {used} of {}", chunk.len());
                assert!(scanner.is_finished());
                return (Some(at + used), scanner.finish());
            }
            None => {
                assert!(!scanner.is_finished());
                at += chunk.len();
                if at == data.len() && size > 0 {
                    return (None, scanner.finish());
                }
            }
        }
    }
}

/// Where the data ends: after the first `.` CRLF at the very start or right
/// after a CRLF.
fn model_end(data: &[u8]) -> Option<usize> {
    (0..data.len())
        .find(|&at| data[at..].starts_with(b".\r\n") && (at == 0 || data[..at].ends_with(b"\r\n")))
        .map(|at| at + 3)
}

/// The outcome for the bytes before the final dot line.
fn model_outcome(body: &[u8], limit: u64) -> DataOutcome {
    if has_bare_line_ending(body) {
        return DataOutcome::Refused(DataRefusal::BareLineEnding);
    }
    let mut message = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
        let line = &rest[..line_end];
        message.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
        rest = &rest[line_end..];
    }
    let size = message.len() as u64;
    if size > limit {
        DataOutcome::Refused(DataRefusal::TooBig { size, limit })
    } else {
        DataOutcome::Message(message.into())
    }
}

fn has_bare_line_ending(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(at, &byte)| match byte {
        b'\r' => bytes.get(at + 1) != Some(&b'\n'),
        b'\n' => at == 0 || bytes[at - 1] != b'\r',
        _ => false,
    })
}

fn check_accepted(message: &[u8], limit: u64) {
    assert!(message.len() as u64 <= limit);
    assert!(!has_bare_line_ending(message), "bare CR or LF accepted");
    assert!(message.is_empty() || message.ends_with(b"\r\n"));
}
