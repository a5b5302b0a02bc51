//! The DSN parameters (RFC 3461) on their way through mailflow: read from
//! `MAIL FROM` (`RET`, `ENVID`) and `RCPT TO` (`NOTIFY`, `ORCPT`) by
//! `parse_command` with `mail_dsn` / `rcpt_dsn`, then written again by the
//! client (`Envelope::mail_command`, `EnvelopeRecipient::rcpt_command`) when
//! the message is relayed to a next hop that offers DSN.
//!
//! Input layout: byte 0 picks the `RET` and `NOTIFY` keywords (and a few
//! misspellings), the rest is split at NUL bytes into the raw `ENVID` value,
//! the raw `ORCPT` address and the address in angle brackets.
//!
//! Never a panic, and these hold for any input:
//! - what is read, written again, is one command line: no CR or LF inside;
//! - the `ENVID` and `ORCPT` written are RFC 3461 xtext (graphic ASCII but
//!   `+` and `=`, the rest as `+HH` in upper-case hex), and decode octet for
//!   octet to the value that was read;
//! - read back, they give the same DSN parameters, for values in US-ASCII
//!   (RFC 3461 makes ENVID printable US-ASCII and an rfc822 ORCPT an
//!   RFC 822 address; `smtp-proto` decodes `+HH` above 7F as one char each,
//!   so non-ASCII values are checked at the octet level above only);
//! - any ASCII ENVID of 1 to 100 characters and any ASCII ORCPT address of
//!   1 to 256 characters that mailflow writes is read back unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mailflow_core::{DsnEnvelope, DsnRecipient, Mailbox};
use mailflow_smtp::client::{BodyInfo, Capabilities, Envelope, EnvelopeRecipient};
use mailflow_smtp::server::{Command, ForwardPath, mail_dsn, parse_command, rcpt_dsn};

const RETS: [&[u8]; 4] = [b"", b" RET=FULL", b" RET=HDRS", b" RET=hdrs"];
const NOTIFIES: [&[u8]; 8] = [
    b"",
    b" NOTIFY=NEVER",
    b" NOTIFY=SUCCESS",
    b" NOTIFY=FAILURE,DELAY",
    b" NOTIFY=SUCCESS,FAILURE,DELAY",
    b" NOTIFY=delay",
    b" NOTIFY=NEVER,SUCCESS",
    b" NOTIFY=",
];

fuzz_target!(|input: &[u8]| {
    let [pick, rest @ ..] = input else {
        return;
    };
    let mut fields = rest.splitn(3, |&b| b == 0);
    let envid = fields.next().unwrap_or_default();
    let orcpt = fields.next().unwrap_or_default();
    let address = fields.next().unwrap_or(b"a@b.test");

    let mut mail = b"MAIL FROM:<".to_vec();
    mail.extend_from_slice(address);
    mail.push(b'>');
    mail.extend_from_slice(RETS[usize::from(pick & 3)]);
    if pick & 4 != 0 {
        mail.extend_from_slice(b" SMTPUTF8");
    }
    mail.extend_from_slice(b" ENVID=");
    mail.extend_from_slice(envid);
    mail.extend_from_slice(b"\r\n");
    check_mail(&mail);

    let mut rcpt = b"RCPT TO:<".to_vec();
    rcpt.extend_from_slice(address);
    rcpt.push(b'>');
    rcpt.extend_from_slice(NOTIFIES[usize::from(pick >> 3 & 7)]);
    rcpt.extend_from_slice(if pick & 0x40 != 0 {
        b" ORCPT=rfc822;"
    } else {
        b" ORCPT=RFC822;"
    });
    rcpt.extend_from_slice(orcpt);
    rcpt.extend_from_slice(b"\r\n");
    check_rcpt(&rcpt);

    // Values as mailflow holds them, written and read back.
    let text = String::from_utf8_lossy(rest);
    if text.is_ascii() && (1..=100).contains(&text.len()) {
        let dsn = DsnEnvelope {
            ret: None,
            envid: Some(text.to_string()),
        };
        let line = write_mail(Some(&mailbox("a@b.test")), &dsn);
        assert_eq!(read_mail(&line).1, dsn, "{line:?}");
    }
    if text.is_ascii() && (1..=256).contains(&text.len()) {
        let dsn = DsnRecipient {
            notify: None,
            orcpt: Some(format!("rfc822;{text}")),
        };
        let line = write_rcpt(&dsn);
        assert_eq!(read_rcpt(&line).1, dsn, "{line:?}");
    }
});

fn check_mail(line: &[u8]) {
    let Ok(Command::Mail { sender, from }) = parse_command(line) else {
        return;
    };
    let dsn = mail_dsn(&from);
    // The sender written as it was read: one line, whatever it held.
    let relayed = write_mail(sender.mailbox(), &dsn);
    check_one_line(&relayed);

    let written = write_mail(Some(&mailbox("a@b.test")), &dsn);
    check_one_line(&written);
    let envid = parameter(&written, " ENVID=");
    match (&dsn.envid, envid) {
        (None, None) => {}
        (Some(value), Some(xtext)) => {
            assert!((1..=100).contains(&value.len()), "ENVID {value:?}");
            assert_eq!(decode_xtext(xtext), value.as_bytes(), "{written:?}");
        }
        (read, wrote) => panic!("ENVID read {read:?}, written {wrote:?}"),
    }
    if dsn.envid.as_deref().is_none_or(str::is_ascii) {
        let (_, again) = read_mail(&written);
        assert_eq!(again, dsn, "{line:?} relayed as {written:?}");
    }
}

fn check_rcpt(line: &[u8]) {
    let Ok(Command::Rcpt { recipient, to }) = parse_command(line) else {
        return;
    };
    let dsn = rcpt_dsn(&to);
    if let ForwardPath::Mailbox(address) = &recipient {
        let relayed = EnvelopeRecipient {
            address,
            dsn: &dsn,
        }
        .rcpt_command(&all_offered());
        check_one_line(&relayed);
    }

    let written = write_rcpt(&dsn);
    check_one_line(&written);
    let orcpt = parameter(&written, " ORCPT=rfc822;");
    match (&dsn.orcpt, orcpt) {
        (None, None) => {}
        (Some(value), Some(xtext)) => {
            let address = value.strip_prefix("rfc822;").expect("rfc822 ORCPT");
            assert_eq!(decode_xtext(xtext), address.as_bytes(), "{written:?}");
        }
        (read, wrote) => panic!("ORCPT read {read:?}, written {wrote:?}"),
    }
    if dsn.orcpt.as_deref().is_none_or(str::is_ascii) {
        let (_, again) = read_rcpt(&written);
        assert_eq!(again, dsn, "{line:?} relayed as {written:?}");
    }
}

fn all_offered() -> Capabilities {
    Capabilities {
        pipelining: true,
        starttls: true,
        eight_bit_mime: true,
        smtputf8: true,
        dsn: true,
        enhanced_status_codes: true,
        size: Some(0),
    }
}

fn mailbox(text: &str) -> Mailbox {
    Mailbox::parse(text).expect("a valid mailbox")
}

fn write_mail(sender: Option<&Mailbox>, dsn: &DsnEnvelope) -> String {
    Envelope {
        sender,
        dsn,
        recipients: &[],
    }
    .mail_command(BodyInfo::of(b""), &all_offered())
}

fn write_rcpt(dsn: &DsnRecipient) -> String {
    EnvelopeRecipient {
        address: &mailbox("c@d.test"),
        dsn,
    }
    .rcpt_command(&all_offered())
}

fn read_mail(line: &str) -> (Option<Mailbox>, DsnEnvelope) {
    match parse_command(line.as_bytes()) {
        Ok(Command::Mail { sender, from }) => (sender.mailbox().cloned(), mail_dsn(&from)),
        other => panic!("{line:?} written by mailflow reads as {other:?}"),
    }
}

fn read_rcpt(line: &str) -> (ForwardPath, DsnRecipient) {
    match parse_command(line.as_bytes()) {
        Ok(Command::Rcpt { recipient, to }) => (recipient, rcpt_dsn(&to)),
        other => panic!("{line:?} written by mailflow reads as {other:?}"),
    }
}

fn check_one_line(line: &str) {
    let body = line.strip_suffix("\r\n").expect("ends in CRLF");
    assert!(!body.contains(['\r', '\n']), "a line break inside {line:?}");
}

/// The value of a parameter in a written line, checked to be xtext.
fn parameter<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let start = line.find(prefix)? + prefix.len();
    let value = line[start..].trim_end_matches("\r\n");
    let value = value.split(' ').next().unwrap_or_default();
    let bytes = value.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'+' => {
                let hex = &bytes[at + 1..at + 3];
                assert!(
                    hex.iter()
                        .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b)),
                    "bad hexchar in {line:?}"
                );
                at += 3;
            }
            b'!'..=b'~' if bytes[at] != b'=' => at += 1,
            other => panic!("{other:#04x} is not xtext, in {line:?}"),
        }
    }
    Some(value)
}

/// RFC 3461 xtext to octets.
fn decode_xtext(xtext: &str) -> Vec<u8> {
    let bytes = xtext.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'+' {
            let hex = std::str::from_utf8(&bytes[at + 1..at + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    out
}
