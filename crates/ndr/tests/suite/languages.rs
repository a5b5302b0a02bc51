//! Reports in every language, read back with mail-parser: the language is
//! chosen from the original's Content-Language, then Accept-Language; the
//! text part says `charset=utf-8` and decodes to the words of that
//! language; the subject decodes; and the machine-readable part is the
//! same ASCII in every language.

use crate::support::*;
use mail_parser::{MessageParser, MimeHeaders};
use mailflow_ndr::catalogue::Label;
use mailflow_ndr::{Language, ReportKind, build_report_with_id};
use time::macros::datetime;

/// What each language must say, whitespace aside: its tag, the opening of a
/// failure report, the start of its subject, words about the connector,
/// and the delay notice's promise with its date.
struct Expected {
    language: Language,
    asked_as: &'static str,
    opening: &'static str,
    subject: &'static str,
    connector: &'static str,
    still_trying: &'static str,
}

const EXPECTED: [Expected; 5] = [
    Expected {
        language: Language::English,
        asked_as: "en-GB",
        opening: "Your message could not be delivered to the recipients below.",
        subject: "Undeliverable: Quarterly figures",
        connector: "The relay's connector \"onprem\" cannot deliver",
        still_trying: "The relay keeps trying until 4 March 2025, 08:00 UTC.",
    },
    Expected {
        language: Language::French,
        asked_as: "fr-CA",
        opening: "Votre message n'a pas pu être remis aux destinataires ci-dessous.",
        subject: "Non distribué : Quarterly figures",
        connector: "Le connecteur « onprem » du relais ne parvient pas à remettre",
        still_trying: "Le relais continuera d'essayer jusqu'au 4 mars 2025 à 08:00 (UTC).",
    },
    Expected {
        language: Language::Russian,
        asked_as: "ru-RU",
        opening: "Ваше сообщение не удалось доставить перечисленным ниже получателям.",
        subject: "Не доставлено: Quarterly figures",
        connector: "Коннектор релея «onprem» не может доставить почту",
        still_trying: "Релей будет пытаться доставить сообщение до 4 марта 2025 г., 08:00 UTC.",
    },
    Expected {
        language: Language::PortugueseBrazil,
        asked_as: "pt-BR",
        opening: "Não foi possível entregar sua mensagem aos destinatários abaixo.",
        subject: "Não entregue: Quarterly figures",
        connector: "O conector “onprem” do servidor de retransmissão não consegue entregar",
        still_trying: "continuará tentando até 4 de março de 2025, 08:00 (UTC).",
    },
    Expected {
        language: Language::TraditionalChinese,
        asked_as: "zh-Hant-TW",
        opening: "您的郵件無法傳遞給下列收件者，系統不會再重試。",
        subject: "無法傳遞：Quarterly figures",
        connector: "中繼伺服器的連接器「onprem」無法傳遞郵件",
        still_trying: "中繼伺服器會持續嘗試到 2025年3月4日 08:00（UTC）為止。",
    },
];

/// The fixture's original, asking for a language.
fn original_with(header: &str) -> Vec<u8> {
    let mut original = format!("{header}\r\n").into_bytes();
    original.extend_from_slice(ORIGINAL);
    original
}

fn report_in(kind: ReportKind, header: &str) -> mailflow_ndr::BuiltReport {
    let mut input = input(kind, vec![refused_through_connector(), rejected_remotely()]);
    input.original = original_with(header);
    if kind == ReportKind::Delay {
        input.now = datetime!(2025-03-03 12:00:00 UTC);
        input.will_retry_until = Some(datetime!(2025-03-04 08:00:00 UTC));
    }
    build_report_with_id(&input, fixed_id(9))
}

/// Text without any whitespace, so that line wrapping does not matter.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_says(text: &str, phrase: &str, language: Language) {
    assert!(
        squeezed(text).contains(&squeezed(phrase)),
        "{language:?} text lacks {phrase:?}:\n{text}"
    );
}

#[test]
fn a_failure_report_is_written_in_the_language_the_original_asks_for() {
    for expected in &EXPECTED {
        let header = format!("Content-Language: {}", expected.asked_as);
        let report = report_in(ReportKind::Failure, &header);
        assert_eq!(report.language, expected.language);
        let parsed = Parsed::new(&report.bytes);
        assert_eq!(parsed.message.subject(), Some(expected.subject));
        let text = parsed.human_text();
        assert_says(&text, expected.opening, expected.language);
        assert_says(&text, expected.connector, expected.language);
        let recipient = parsed.recipient_block("rfc822; carol@contoso.test");
        assert_eq!(recipient.get("Action").as_deref(), Some("failed"));
        assert_eq!(recipient.get("Status").as_deref(), Some("4.4.316"));
        let remote = parsed.recipient_block("rfc822; bob@fabrikam.test");
        assert_eq!(remote.get("Status").as_deref(), Some("5.1.1"));
    }
}

#[test]
fn a_delay_notice_is_written_in_the_language_the_original_asks_for() {
    for expected in &EXPECTED {
        let header = format!("Content-Language: {}", expected.asked_as);
        let report = report_in(ReportKind::Delay, &header);
        let parsed = Parsed::new(&report.bytes);
        assert_says(
            &parsed.human_text(),
            expected.still_trying,
            expected.language,
        );
        let recipient = parsed.recipient_block("rfc822; carol@contoso.test");
        assert_eq!(recipient.get("Action").as_deref(), Some("delayed"));
        assert_eq!(recipient.get("Status").as_deref(), Some("4.4.316"));
        assert_eq!(
            recipient.get("Will-Retry-Until").as_deref(),
            Some("Tue, 4 Mar 2025 08:00:00 +0000")
        );
        let subject = parsed.message.subject().unwrap().to_string();
        let failure_subject = report_in(ReportKind::Failure, &header);
        let failure_subject = Parsed::new(&failure_subject.bytes)
            .message
            .subject()
            .unwrap()
            .to_string();
        assert!(subject.ends_with("Quarterly figures"), "{subject}");
        assert_ne!(subject, failure_subject, "a delay is not called a failure");
    }
}

#[test]
fn the_text_part_declares_utf8_its_language_and_a_transfer_encoding_for_non_ascii() {
    for expected in &EXPECTED {
        let header = format!("Content-Language: {}", expected.asked_as);
        let report = report_in(ReportKind::Failure, &header);
        let parsed = Parsed::new(&report.bytes);
        let part = parsed.parts()[0];
        let content_type = part.content_type().unwrap();
        assert_eq!(content_type.attribute("charset"), Some("utf-8"));
        let language = part.content_language();
        let tag = language.as_text().or_else(|| {
            language
                .as_text_list()
                .and_then(|t| t.first().map(|t| t.as_ref()))
        });
        assert_eq!(tag, Some(expected.language.tag()));
        let encoding = part.content_transfer_encoding();
        if expected.language == Language::English {
            assert_eq!(encoding, Some("7bit"));
        } else {
            assert!(
                matches!(encoding, Some("quoted-printable" | "base64")),
                "{:?}: {encoding:?}",
                expected.language
            );
        }
        assert!(
            report.bytes.is_ascii(),
            "{:?}: the report of an ASCII original is 7-bit clean",
            expected.language
        );
    }
}

#[test]
fn the_text_part_decodes_to_exactly_the_text_that_was_written() {
    for expected in &EXPECTED {
        let header = format!("Content-Language: {}", expected.asked_as);
        let report = report_in(ReportKind::Failure, &header);
        let text = Parsed::new(&report.bytes).human_text();
        let words = expected.language.catalogue();
        let heading = words.label(Label::ForAdministrators);
        let recipient = format!(
            "{}{}carol@contoso.test",
            words.label(Label::Recipient),
            words.field_separator()
        );
        let lines: Vec<&str> = text.lines().collect();
        let at = lines
            .iter()
            .position(|line| *line == heading)
            .unwrap_or_else(|| panic!("{:?}: no heading {heading:?}:\n{text}", expected.language));
        assert_eq!(lines[at + 1], "-".repeat(display_width(heading)));
        assert!(
            lines.contains(&recipient.as_str()),
            "{recipient:?} in:\n{text}"
        );
        assert!(
            !text.contains('\u{fffd}'),
            "no replacement characters: {text}"
        );
    }
}

#[test]
fn the_delivery_status_part_is_the_same_ascii_in_every_language() {
    let status_of = |header: &str| {
        let report = report_in(ReportKind::Failure, header);
        let parsed = Parsed::new(&report.bytes);
        parsed.parts()[1].contents().to_vec()
    };
    let english = status_of("Content-Language: en");
    assert!(english.is_ascii());
    for expected in &EXPECTED {
        let header = format!("Content-Language: {}", expected.asked_as);
        assert_eq!(
            status_of(&header),
            english,
            "{:?}: the delivery-status part differs",
            expected.language
        );
    }
}

#[test]
fn a_non_ascii_original_subject_comes_back_decoded_in_the_reports_subject() {
    let mut input = input(ReportKind::Failure, vec![rejected_remotely()]);
    input.original = b"Content-Language: ru\r\n\
Subject: =?utf-8?B?0J7RgtGH0ZHRgiDQt9CwINC60LLQsNGA0YLQsNC7?=\r\n\
\r\n\
body\r\n"
        .to_vec();
    let report = build_report_with_id(&input, fixed_id(9));
    let parsed = Parsed::new(&report.bytes);
    assert_eq!(
        parsed.message.subject(),
        Some("Не доставлено: Отчёт за квартал")
    );
    let raw_subject = parsed.header("Subject").unwrap();
    assert!(
        raw_subject.starts_with("=?utf-8?"),
        "RFC 2047: {raw_subject}"
    );
}

#[test]
fn the_from_name_is_in_the_reports_language_and_encoded() {
    let report = report_in(ReportKind::Failure, "Content-Language: zh-TW");
    let parsed = Parsed::new(&report.bytes);
    let from = parsed.message.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("郵件傳遞系統"));
    assert_eq!(from.address(), Some("MAILER-DAEMON@relay.contoso.test"));
}

/// (headers of the original, the language the report must be written in)
const NEGOTIATIONS: [(&str, Language); 12] = [
    ("Content-Language: fr", Language::French),
    ("Content-Language: de, ru-RU", Language::Russian),
    (
        "Content-Language: pt-BR\r\nAccept-Language: fr",
        Language::PortugueseBrazil,
    ),
    (
        "Content-Language: de\r\nAccept-Language: ru",
        Language::Russian,
    ),
    (
        "Accept-Language: en;q=0.5, fr-FR;q=0.9, ru;q=0.7",
        Language::French,
    ),
    (
        "Accept-Language: de-DE, pt;q=0.8, en;q=0.7",
        Language::PortugueseBrazil,
    ),
    (
        "Accept-Language: zh-HK, en;q=0.5",
        Language::TraditionalChinese,
    ),
    (
        "Accept-Language: zh-CN, zh;q=0.9, en;q=0.8",
        Language::English,
    ),
    (
        "Accept-Language: zh-CN, zh-TW;q=0.8",
        Language::TraditionalChinese,
    ),
    ("Accept-Language: fr;q=0, ru;q=0.1", Language::Russian),
    (
        "Content-Language: ja\r\nAccept-Language: de",
        Language::English,
    ),
    ("X-Other: nothing", Language::English),
];

#[test]
fn the_language_comes_from_content_language_then_accept_language_by_quality() {
    for (header, language) in NEGOTIATIONS {
        let report = report_in(ReportKind::Failure, header);
        assert_eq!(report.language, language, "{header:?}");
    }
}

#[test]
fn language_tags_match_their_regions_and_scripts() {
    let cases = [
        ("fr-BE", Some(Language::French)),
        ("ru-UA", Some(Language::Russian)),
        ("pt", Some(Language::PortugueseBrazil)),
        ("pt-PT", Some(Language::PortugueseBrazil)),
        ("zh-Hant", Some(Language::TraditionalChinese)),
        ("zh-HK", Some(Language::TraditionalChinese)),
        ("zh-TW", Some(Language::TraditionalChinese)),
        ("zh-Hans-HK", None),
        ("zh", None),
        ("en_US", Some(Language::English)),
        ("", None),
        ("*", None),
    ];
    for (tag, language) in cases {
        assert_eq!(Language::from_tag(tag), language, "{tag:?}");
    }
    assert_eq!(
        Language::negotiate(["de", "zh-HK", "en"]),
        Language::TraditionalChinese
    );
    assert_eq!(Language::negotiate([]), Language::English);
}

/// Columns on screen: CJK characters and full-width forms take two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if c >= '\u{2e80}' { 2 } else { 1 })
        .sum()
}

#[test]
fn a_report_in_chinese_wraps_between_characters() {
    let report = report_in(ReportKind::Failure, "Content-Language: zh-TW");
    let text = Parsed::new(&report.bytes).human_text();
    let chinese: Vec<&str> = text
        .lines()
        .filter(|line| line.chars().any(|c| c >= '\u{4e00}'))
        .collect();
    assert!(chinese.len() > 10, "{text}");
    // Evidence lines (dates, replies) may run long at their spaces; the
    // Chinese paragraphs stay within 72 columns.
    for line in chinese {
        assert!(display_width(line) <= 72, "{line:?} is too wide:\n{text}");
    }
}

#[test]
fn mail_parser_reads_the_same_report_from_its_raw_bytes_in_every_language() {
    for expected in &EXPECTED {
        let header = format!("Content-Language: {}", expected.asked_as);
        let report = report_in(ReportKind::Failure, &header);
        let message = MessageParser::new().parse(&report.bytes).unwrap();
        let body = message.body_text(0).expect("a text body");
        assert_says(&body, expected.opening, expected.language);
    }
}
