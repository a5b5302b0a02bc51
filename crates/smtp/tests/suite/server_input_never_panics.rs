//! Hostile input for the server-side readers: whatever bytes a client sends,
//! in whatever pieces, reading commands and DATA never panics, memory stays
//! bounded by the limits, the DATA scanner agrees with itself however the
//! input is split, and its line-length limit agrees with a plain model.

use mailflow_smtp::server::{
    CommandLine, DataLimits, DataOutcome, DataRefusal, DataScanner, MemoryBudget, SmtpReader,
    parse_command,
};
use proptest::prelude::*;
use std::time::Duration;

/// Bytes biased towards the ones that matter to SMTP framing.
fn smtp_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => any::<u8>(),
        3 => Just(b'\r'),
        3 => Just(b'\n'),
        3 => Just(b'.'),
        1 => Just(0u8),
        2 => prop::sample::select(b"MAIL FROM:<>RCPT TO:DATAEHLO @".to_vec()),
    ];
    prop::collection::vec(byte, 0..600)
}

/// Data made of CRLF lines of any length (some with a leading dot) and
/// the final dot: most of it ends cleanly, so the line limit is what
/// decides.
fn crlf_lines() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec("[.]?[a-z .:]{0,60}", 0..12).prop_map(|lines| {
        let mut data = Vec::new();
        for line in lines {
            data.extend_from_slice(line.as_bytes());
            data.extend_from_slice(b"\r\n");
        }
        data.extend_from_slice(b".\r\n");
        data
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

proptest! {
    #[test]
    fn command_reader_never_panics_and_respects_the_limit(input in smtp_bytes(), max in 3usize..80) {
        runtime().block_on(async {
            let mut reader = SmtpReader::new(input.as_slice());
            for _ in 0..input.len() + 1 {
                match reader.read_command(max, Duration::from_secs(1)).await {
                    Ok(CommandLine::Line(line)) => {
                        assert!(line.len() <= max && line.ends_with(b"\r\n"));
                        let _ = parse_command(&line);
                    }
                    Ok(CommandLine::Refused(_)) => {}
                    Err(_) => break,
                }
            }
        });
    }

    #[test]
    fn data_reader_never_panics(input in smtp_bytes(), limit in 0u64..300, line in 0u64..60) {
        runtime().block_on(async {
            let mut reader = SmtpReader::new(input.as_slice());
            let limits = DataLimits { max_size: limit, max_header_size: limit / 2, max_line_length: line };
            let budget = MemoryBudget::new(limit);
            loop {
                let mut memory = budget.reservation();
                let read = reader.read_data(limits, &mut memory, Duration::from_secs(1), Duration::from_secs(1)).await;
                // Only a message taken still holds memory, and no more
                // than the budget.
                match read {
                    Ok(DataOutcome::Message(_)) => assert!(memory.held() <= limit),
                    Ok(DataOutcome::Refused(_)) | Err(_) => assert_eq!(memory.held(), 0),
                }
                if read.is_err() {
                    break;
                }
            }
        });
    }

    #[test]
    fn data_scanner_gives_the_same_answer_however_input_is_split(
        input in smtp_bytes(),
        split in any::<prop::sample::Index>(),
    ) {
        let limits = DataLimits { max_size: 200, max_header_size: 80, max_line_length: 20 };
        let mut whole = DataScanner::new(limits);
        let end_whole = whole.feed(&input);
        let at = split.index(input.len() + 1);
        let mut parts = DataScanner::new(limits);
        let end_parts = match parts.feed(&input[..at]) {
            Some(end) => Some(end),
            None => parts.feed(&input[at..]).map(|end| end + at),
        };
        prop_assert_eq!(end_whole, end_parts);
        prop_assert_eq!(whole.finish(), parts.finish());
    }

    #[test]
    fn the_line_limit_refuses_exactly_the_messages_with_a_longer_line(
        input in prop_oneof![smtp_bytes(), crlf_lines()],
        max_line_length in 0u64..40,
    ) {
        let mut scanner = DataScanner::new(DataLimits { max_line_length, ..DataLimits::size(10_000) });
        let Some(end) = scanner.feed(&input) else {
            return Ok(());
        };
        let body = &input[..end - 3];
        prop_assume!(!has_bare_line_ending(body));
        // The model: each CRLF line, its stuffed dot taken off.
        let mut message = Vec::new();
        let mut longest = 0;
        for line in body.split_inclusive(|&b| b == b'\n') {
            let line = line.strip_prefix(b".").unwrap_or(line);
            longest = longest.max(line.len() - 2);
            message.extend_from_slice(line);
        }
        let expected = if longest as u64 > max_line_length {
            DataOutcome::Refused(DataRefusal::LineTooLong { limit: max_line_length })
        } else {
            DataOutcome::Message(message.as_slice().into())
        };
        prop_assert_eq!(scanner.finish(), expected);
    }
}

fn has_bare_line_ending(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(at, &byte)| match byte {
        b'\r' => bytes.get(at + 1) != Some(&b'\n'),
        b'\n' => at == 0 || bytes[at - 1] != b'\r',
        _ => false,
    })
}
