//! Hostile input for the server-side readers: whatever bytes a client sends,
//! in whatever pieces, reading commands and DATA never panics, memory stays
//! bounded by the limits, and the DATA scanner agrees with itself however the
//! input is split.

use mailflow_smtp::server::{
    CommandLine, DataLimits, DataScanner, MemoryBudget, SmtpReader, parse_command,
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
    fn data_reader_never_panics(input in smtp_bytes(), limit in 0u64..300) {
        runtime().block_on(async {
            let mut reader = SmtpReader::new(input.as_slice());
            while reader.read_data(DataLimits { max_size: limit, max_header_size: limit / 2 }, &mut MemoryBudget::new(limit).reservation(), Duration::from_secs(1), Duration::from_secs(1)).await.is_ok() {}
        });
    }

    #[test]
    fn data_scanner_gives_the_same_answer_however_input_is_split(
        input in smtp_bytes(),
        split in any::<prop::sample::Index>(),
    ) {
        let mut whole = DataScanner::new(DataLimits { max_size: 200, max_header_size: 80 });
        let end_whole = whole.feed(&input);
        let at = split.index(input.len() + 1);
        let mut parts = DataScanner::new(DataLimits { max_size: 200, max_header_size: 80 });
        let end_parts = match parts.feed(&input[..at]) {
            Some(end) => Some(end),
            None => parts.feed(&input[at..]).map(|end| end + at),
        };
        prop_assert_eq!(end_whole, end_parts);
        prop_assert_eq!(whole.finish(), parts.finish());
    }
}
