//! The trace header: the `Received:` line mailflow adds to every message it
//! takes (RFC 5321 4.4), and the count of those already there, which is how
//! a mail loop is seen (`554 5.4.6`).

use mailflow_core::{Mailbox, MessageId};
use std::net::IpAddr;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// What the `Received:` header says about how the message came in.
#[derive(Debug, Clone)]
pub struct TraceInfo<'a> {
    /// The name the client gave in EHLO or HELO.
    pub helo: &'a str,
    pub client_ip: IpAddr,
    /// This node's name.
    pub hostname: &'a str,
    /// `SMTP`, `ESMTP`, `ESMTPS`, `UTF8SMTP`… (RFC 3848, RFC 6531).
    pub protocol: &'a str,
    pub id: MessageId,
    /// Named with `for` when the message has exactly one recipient.
    pub single_recipient: Option<&'a Mailbox>,
    pub at: OffsetDateTime,
}

/// The header, folded, with its final CRLF.
pub fn received_header(info: &TraceInfo<'_>) -> String {
    let client = match info.client_ip {
        IpAddr::V4(ip) => format!("[{ip}]"),
        IpAddr::V6(ip) => format!("[IPv6:{ip}]"),
    };
    let mut header = format!(
        "Received: from {} ({client})\r\n\tby {} (mailflow) with {} id {}",
        header_safe(info.helo),
        header_safe(info.hostname),
        info.protocol,
        info.id,
    );
    if let Some(recipient) = info.single_recipient {
        header.push_str(&format!("\r\n\tfor <{}>", recipient.smtp()));
    }
    let date = info
        .at
        .format(&Rfc2822)
        .unwrap_or_else(|_| info.at.unix_timestamp().to_string());
    header.push_str(&format!(";\r\n\t{date}\r\n"));
    header
}

/// Keeps client-given text from breaking the header's structure.
fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '(' | ')' | ';' | '<' | '>' | '\\') {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// How many `Received:` fields the message's header section holds. Reads
/// the header lines one at a time, whatever chunks hold them.
pub fn count_received_headers(message: impl IntoIterator<Item = u8>) -> usize {
    let mut bytes = message.into_iter();
    let mut line = Vec::new();
    let mut count = 0;
    loop {
        line.clear();
        let mut ended = false;
        for byte in bytes.by_ref() {
            if byte == b'\n' {
                ended = true;
                break;
            }
            line.push(byte);
        }
        let text = line.strip_suffix(b"\r").unwrap_or(&line);
        if text.is_empty() {
            return count;
        }
        if is_received_field(text) {
            count += 1;
        }
        if !ended {
            return count;
        }
    }
}

/// A header line that starts a `Received:` field (not a folded one).
fn is_received_field(line: &[u8]) -> bool {
    if line.starts_with(b" ") || line.starts_with(b"\t") {
        return false;
    }
    line.iter().position(|&b| b == b':').is_some_and(|colon| {
        line[..colon]
            .trim_ascii_end()
            .eq_ignore_ascii_case(b"received")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn counts_received_fields_in_the_header_section_only() {
        let message = b"Received: from a\r\n\tby b\r\nRECEIVED : from c\r\nSubject: Received: no\r\n\r\nReceived: in the body\r\n";
        assert_eq!(count_received_headers(message.iter().copied()), 2);
        assert_eq!(count_received_headers(Vec::new()), 0);
    }

    #[test]
    fn header_names_client_server_protocol_id_recipient_and_date() {
        let id = MessageId::new();
        let header = received_header(&TraceInfo {
            helo: "client.test",
            client_ip: "192.0.2.7".parse().unwrap(),
            hostname: "mx.mailflow.test",
            protocol: "ESMTP",
            id,
            single_recipient: Some(&Mailbox::parse("alice@contoso.test").unwrap()),
            at: datetime!(2025-03-01 12:30:00 UTC),
        });
        assert_eq!(
            header,
            format!(
                "Received: from client.test ([192.0.2.7])\r\n\tby mx.mailflow.test (mailflow) with ESMTP id {id}\r\n\tfor <alice@contoso.test>;\r\n\tSat, 01 Mar 2025 12:30:00 +0000\r\n"
            )
        );
    }

    #[test]
    fn client_text_cannot_break_the_header() {
        let header = received_header(&TraceInfo {
            helo: "evil)(x;y",
            client_ip: "::1".parse().unwrap(),
            hostname: "mx",
            protocol: "SMTP",
            id: MessageId::new(),
            single_recipient: None,
            at: OffsetDateTime::UNIX_EPOCH,
        });
        assert!(header.starts_with("Received: from evil??x?y ([IPv6:::1])\r\n"));
        assert!(!header.contains("for <"));
    }

    #[test]
    fn the_recipient_is_written_through_the_address_encoder() {
        let quoted = Mailbox::parse("john smith;x@contoso.test").unwrap();
        let header = received_header(&TraceInfo {
            helo: "client.test",
            client_ip: "127.0.0.1".parse().unwrap(),
            hostname: "mx",
            protocol: "ESMTP",
            id: MessageId::new(),
            single_recipient: Some(&quoted),
            at: OffsetDateTime::UNIX_EPOCH,
        });
        assert!(
            header.contains("\tfor <\"john smith;x\"@contoso.test>;\r\n"),
            "{header}"
        );
    }
}
