//! Fixtures and a small reader for the reports the tests build: the report
//! is parsed with mail-parser, and each block of its `message/delivery-status`
//! part is parsed again as a header section, the way bounce handlers do.

#![allow(dead_code)]

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use mailflow_core::{Diagnosis, EnhancedCode, MessageId, RemoteReply, Stage};
use mailflow_ndr::{AttemptNote, Audience, ReportInput, ReportKind, ReportRecipient};
use time::OffsetDateTime;
use time::macros::datetime;

pub const ARRIVAL: OffsetDateTime = datetime!(2025-03-03 08:00:00 UTC);
pub const NOW: OffsetDateTime = datetime!(2025-03-04 08:00:00 UTC);
pub const LAST_ATTEMPT: OffsetDateTime = datetime!(2025-03-04 07:30:00 UTC);

pub const ORIGINAL: &[u8] = b"From: Alice <alice@contoso.test>\r\n\
To: bob@fabrikam.test, carol@contoso.test\r\n\
Subject: Quarterly figures\r\n\
Message-ID: <figures-42@contoso.test>\r\n\
Date: Mon, 3 Mar 2025 08:00:00 +0000\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Here are the figures.\r\n\
Body-Marker: this line is in the body, not the headers\r\n";

pub fn fixed_id(n: u8) -> MessageId {
    format!("01955f00-0000-7000-8000-0000000000{n:02x}")
        .parse()
        .expect("a valid id")
}

pub fn refused_through_connector() -> ReportRecipient {
    let diagnosis = Diagnosis::ConnectionRefused {
        addr: "127.0.0.1:2526".parse().unwrap(),
    };
    ReportRecipient {
        address: "carol@contoso.test".into(),
        orcpt: Some("rfc822;Carol@Contoso.test".into()),
        history: vec![
            AttemptNote {
                at: ARRIVAL,
                server: Some("127.0.0.1:2526".into()),
                diagnosis: diagnosis.clone(),
            },
            AttemptNote {
                at: LAST_ATTEMPT,
                server: Some("127.0.0.1:2526".into()),
                diagnosis: diagnosis.clone(),
            },
        ],
        diagnosis,
        remote_mta: None,
        last_attempt: Some(LAST_ATTEMPT),
        attempts: 12,
        connector: Some("onprem".into()),
    }
}

pub fn unknown_user() -> Diagnosis {
    Diagnosis::from_reply(
        Stage::Rcpt,
        RemoteReply {
            code: 550,
            enhanced: Some(EnhancedCode(5, 1, 1)),
            text: "no such user here".into(),
        },
    )
}

pub fn rejected_remotely() -> ReportRecipient {
    ReportRecipient {
        address: "bob@fabrikam.test".into(),
        orcpt: None,
        diagnosis: unknown_user(),
        remote_mta: Some("mx1.fabrikam.test".into()),
        last_attempt: Some(LAST_ATTEMPT),
        attempts: 1,
        connector: None,
        history: Vec::new(),
    }
}

pub fn expired_after(last: Diagnosis, connector: Option<&str>) -> ReportRecipient {
    ReportRecipient {
        address: "dave@northwind.test".into(),
        orcpt: None,
        diagnosis: Diagnosis::Expired {
            last: Some(Box::new(last)),
        },
        remote_mta: Some("mx.northwind.test".into()),
        last_attempt: Some(LAST_ATTEMPT),
        attempts: 30,
        connector: connector.map(str::to_string),
        history: Vec::new(),
    }
}

pub fn temporarily_rejected() -> Diagnosis {
    Diagnosis::from_reply(
        Stage::Rcpt,
        RemoteReply {
            code: 451,
            enhanced: Some(EnhancedCode(4, 3, 0)),
            text: "try again later".into(),
        },
    )
}

pub fn input(kind: ReportKind, recipients: Vec<ReportRecipient>) -> ReportInput {
    ReportInput {
        reporting_mta: "relay.contoso.test".into(),
        kind,
        original_id: fixed_id(1),
        original_sender: "alice@contoso.test".into(),
        arrival: ARRIVAL,
        envid: None,
        ret: None,
        original: ORIGINAL.to_vec(),
        recipients,
        now: NOW,
        will_retry_until: None,
        max_full_return: 1 << 20,
        audience: Audience::Organisation,
    }
}

/// A parsed report.
pub struct Parsed<'x> {
    pub message: Message<'x>,
}

impl<'x> Parsed<'x> {
    pub fn new(bytes: &'x [u8]) -> Parsed<'x> {
        Parsed {
            message: MessageParser::new()
                .parse(bytes)
                .expect("the report parses"),
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.message
            .header_raw(name)
            .map(|value| value.trim().to_string())
    }

    /// The parts of the top-level multipart/report, in order.
    pub fn parts(&self) -> Vec<&mail_parser::MessagePart<'x>> {
        let root = self.message.root_part();
        let ids = root.sub_parts().expect("the report is multipart");
        ids.iter()
            .map(|id| self.message.part(*id).unwrap())
            .collect()
    }

    pub fn content_type_of(&self, index: usize) -> String {
        let part = self.parts()[index];
        let ct = part.content_type().expect("each part has a content type");
        format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default())
    }

    pub fn human_text(&self) -> String {
        match &self.parts()[0].body {
            PartType::Text(text) => text.to_string(),
            other => panic!("the first part is text, not {other:?}"),
        }
    }

    /// The blocks of the delivery-status part: the per-message block first,
    /// then one per recipient.
    pub fn status_blocks(&self) -> Vec<Fields> {
        let body = String::from_utf8(self.parts()[1].contents().to_vec()).expect("ASCII fields");
        body.split("\r\n\r\n")
            .filter(|block| !block.trim().is_empty())
            .map(Fields::parse)
            .collect()
    }

    pub fn recipient_block(&self, final_recipient: &str) -> Fields {
        self.status_blocks()
            .into_iter()
            .skip(1)
            .find(|block| block.get("Final-Recipient").as_deref() == Some(final_recipient))
            .unwrap_or_else(|| panic!("no block for {final_recipient}"))
    }
}

/// One block of delivery-status fields, read with mail-parser.
pub struct Fields {
    pairs: Vec<(String, String)>,
}

impl Fields {
    fn parse(block: &str) -> Fields {
        let text = format!("{}\r\n\r\n", block.trim_end());
        let parsed = MessageParser::new()
            .parse_headers(text.as_bytes())
            .expect("a block of fields");
        let pairs = parsed
            .headers_raw()
            .map(|(name, value)| (name.to_string(), unfold(value)))
            .collect();
        Fields { pairs }
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.pairs
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.clone())
    }

    pub fn names(&self) -> Vec<String> {
        self.pairs.iter().map(|(name, _)| name.clone()).collect()
    }
}

fn unfold(value: &str) -> String {
    value.replace("\r\n", "").trim().to_string()
}
