//! The SMTP command line as the session reads it: `classify_line` on what
//! the reader hands over (everything up to the first LF), then
//! `parse_command`, and for `MAIL`/`RCPT` the DSN helpers and the check for
//! parameters mailflow does not offer.
//!
//! Never a panic, and these hold for any input:
//! - `classify_line` says `Ok` only for a line that ends in CRLF with no
//!   other CR and no NUL, and each refusal names the byte that is wrong;
//! - every reply the wire would send back (line refusal or command error)
//!   is one line: three digits, text, one CRLF at its end and none inside.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mailflow_smtp::server::{
    Command, LineProblem, Reply, classify_line, mail_dsn, parse_command, rcpt_dsn,
    unsupported_mail_parameter, unsupported_rcpt_parameter,
};

fuzz_target!(|data: &[u8]| {
    // What the reader hands to classify_line: up to and including the first
    // LF (or all of it, when there is none and the line is too long).
    let line = match data.iter().position(|&b| b == b'\n') {
        Some(lf) => &data[..=lf],
        None => data,
    };
    let verdict = classify_line(line);
    check_classification(line, verdict);
    if let Err(problem) = verdict {
        check_one_line_reply(&problem.reply());
    }

    // The session parses only lines classified Ok, but the parser must take
    // any bytes: the whole input too.
    parse_and_inspect(line);
    if line.len() != data.len() {
        parse_and_inspect(data);
    }
});

fn check_classification(line: &[u8], verdict: Result<(), LineProblem>) {
    let ends_crlf = line.ends_with(b"\r\n");
    let body = if ends_crlf {
        &line[..line.len() - 2]
    } else {
        line
    };
    match verdict {
        Ok(()) => {
            assert!(ends_crlf, "accepted a line without CRLF: {line:?}");
            assert!(!body.contains(&b'\r'), "accepted a bare CR: {line:?}");
            assert!(!body.contains(&b'\n'), "accepted a bare LF: {line:?}");
            assert!(!body.contains(&0), "accepted a NUL: {line:?}");
        }
        Err(LineProblem::TooLong) => assert!(!line.ends_with(b"\n")),
        Err(LineProblem::BareLf) => assert!(line.ends_with(b"\n") && !ends_crlf),
        Err(LineProblem::BareCr) => assert!(ends_crlf && body.contains(&b'\r')),
        Err(LineProblem::Nul) => {
            assert!(ends_crlf && !body.contains(&b'\r') && body.contains(&0))
        }
    }
}

fn parse_and_inspect(line: &[u8]) {
    match parse_command(line) {
        Ok(Command::Mail { sender, from }) => {
            // The typed path writes back to the same mailbox.
            if let Some(mailbox) = sender.mailbox() {
                let written = format!("MAIL FROM:<{}>\r\n", mailbox.smtp());
                match parse_command(written.as_bytes()) {
                    Ok(Command::Mail { sender: again, .. }) => {
                        assert_eq!(again.mailbox(), Some(mailbox), "{written:?}")
                    }
                    other => panic!("{written:?} reads as {other:?}"),
                }
            }
            let dsn = mail_dsn(&from);
            if let Some(envid) = &dsn.envid {
                assert!(!envid.is_empty(), "ENVID read as empty from {line:?}");
            }
            if let Some(name) = unsupported_mail_parameter(&from) {
                assert!(!name.is_empty());
            }
        }
        Ok(Command::Rcpt { to, .. }) => {
            let dsn = rcpt_dsn(&to);
            if let Some(orcpt) = &dsn.orcpt {
                assert!(orcpt.starts_with("rfc822;"), "ORCPT {orcpt:?}");
            }
            if let Some(name) = unsupported_rcpt_parameter(&to) {
                assert!(!name.is_empty());
            }
        }
        Ok(_) => {}
        Err(error) => {
            let reply = error.reply();
            assert!(reply.is_permanent(), "{error:?} answered {}", reply.code());
            check_one_line_reply(&reply);
        }
    }
}

/// One line on the wire: `ddd text` and a single CRLF at its end.
fn check_one_line_reply(reply: &Reply) {
    let bytes = reply.to_bytes();
    assert!(bytes.len() >= 6, "{bytes:?}");
    assert!(bytes[..3].iter().all(u8::is_ascii_digit), "{bytes:?}");
    assert_eq!(bytes[3], b' ', "{bytes:?}");
    let (text, end) = bytes.split_at(bytes.len() - 2);
    assert_eq!(end, b"\r\n", "{bytes:?}");
    assert!(
        !text.contains(&b'\r') && !text.contains(&b'\n'),
        "a line break inside a reply: {bytes:?}"
    );
}
