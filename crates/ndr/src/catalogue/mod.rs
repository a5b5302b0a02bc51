//! Every word a person reads in a report, per language.
//!
//! The builder never holds text of its own: it asks the catalogue of the
//! chosen `Language` for labels and sentences, passing typed values (a
//! category, a remedy, a time). The same words serve anything else that
//! explains a failure to people: see `crate::explain`.
//!
//! # Adding a language
//!
//! 1. Write `catalogue/<language>.rs` with a unit struct implementing
//!    `Catalogue`. Write it as mailflow speaks to mail administrators and
//!    senders in that language, not as a word-for-word rendering of the
//!    English: every method, every `Category`, `Actor`, `Remedy`,
//!    `ConnectorProblem`, `Label`, `ReportKind`, `Situation` and `Returned`
//!    must have its own text, dates and durations in the local style
//!    (month names, plural forms), and the local punctuation between a label
//!    and its value (`field_separator`) and between two sentences
//!    (`sentence_separator`). Then write `catalogue/<language>/admin.rs`
//!    implementing `AdminCatalogue` for the same struct: what insights and
//!    alerts tell the relay's administrators, for every `Topic`,
//!    `AlertSituation` and `AlertLabel`; and `catalogue/<language>/
//!    operations.rs` implementing `OperationsCatalogue`: fix previews,
//!    trace events and audited actions.
//! 2. Add a variant to `Language`, to `Language::ALL`, to `tag` (the BCP 47
//!    tag written in the human part's `Content-Language`), to `catalogue`,
//!    to `admin_catalogue` and to `operations_catalogue`.
//! 3. Teach `Language::from_tag` which tags ask for it (the primary subtag,
//!    and script or region subtags where they decide, as for Chinese).
//! 4. Add the language's known phrases to `tests/suite/languages.rs`; the tests
//!    that walk every language and every category pick it up from
//!    `Language::ALL` and check that each text exists and is not English.
//!
//! The builder, the layout (which wraps Chinese between characters and
//! never at a no-break space) and the machine-readable part do not change:
//! the `message/delivery-status` part is ASCII and the same in every
//! language.

mod admin;
mod chinese_traditional;
mod english;
mod french;
pub(crate) mod operations;
mod portuguese_brazil;
mod russian;

pub use admin::{AdminCatalogue, AlertLabel, AlertSituation};
pub use operations::{AuditAction, FixChange, FixWords, OperationsCatalogue, action_name};

use crate::advice::{Actor, ConnectorProblem, Remedy};
use crate::report::{ReportKind, Returned};
use mailflow_core::Category;
use time::{Duration, OffsetDateTime};

/// The languages reports are written in (SPEC section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    English,
    French,
    Russian,
    /// Portuguese as written in Brazil; also given to other Portuguese tags.
    PortugueseBrazil,
    /// Chinese in traditional characters, as written in Taiwan.
    TraditionalChinese,
}

impl Language {
    /// Every language, English first.
    pub const ALL: [Language; 5] = [
        Language::English,
        Language::French,
        Language::Russian,
        Language::PortugueseBrazil,
        Language::TraditionalChinese,
    ];

    /// The BCP 47 tag put in the human part's `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::French => "fr",
            Language::Russian => "ru",
            Language::PortugueseBrazil => "pt-BR",
            Language::TraditionalChinese => "zh-TW",
        }
    }

    /// The language a BCP 47 tag (or a `ll_CC` locale name) asks for, when
    /// it is one we write. Any region of English, French, Russian and
    /// Portuguese matches; Chinese matches when written in traditional
    /// characters (`zh-Hant`, or Taiwan, Hong Kong and Macau without a
    /// script), not for simplified (`zh-Hans`, `zh-CN`, plain `zh`).
    pub fn from_tag(tag: &str) -> Option<Language> {
        let subtags: Vec<String> = tag
            .trim()
            .split(['-', '_'])
            .map(str::to_ascii_lowercase)
            .collect();
        let (primary, rest) = subtags.split_first()?;
        match primary.as_str() {
            "en" => Some(Language::English),
            "fr" => Some(Language::French),
            "ru" => Some(Language::Russian),
            "pt" => Some(Language::PortugueseBrazil),
            "zh" | "cmn" | "yue" => traditional_chinese(rest),
            _ => None,
        }
    }

    /// The first language of `preferences` (most wanted first) that we
    /// write; English when none is.
    pub fn negotiate<'a>(preferences: impl IntoIterator<Item = &'a str>) -> Language {
        preferences
            .into_iter()
            .find_map(Language::from_tag)
            .unwrap_or_default()
    }

    pub fn catalogue(self) -> &'static dyn Catalogue {
        match self {
            Language::English => &english::English,
            Language::French => &french::French,
            Language::Russian => &russian::Russian,
            Language::PortugueseBrazil => &portuguese_brazil::PortugueseBrazil,
            Language::TraditionalChinese => &chinese_traditional::TraditionalChinese,
        }
    }

    /// The words for what administrators do: fix previews, trace events
    /// and audited actions.
    pub fn operations_catalogue(self) -> &'static dyn OperationsCatalogue {
        match self {
            Language::English => &english::English,
            Language::French => &french::French,
            Language::Russian => &russian::Russian,
            Language::PortugueseBrazil => &portuguese_brazil::PortugueseBrazil,
            Language::TraditionalChinese => &chinese_traditional::TraditionalChinese,
        }
    }

    /// The words for the relay's own administrators: insights and alerts.
    pub fn admin_catalogue(self) -> &'static dyn AdminCatalogue {
        match self {
            Language::English => &english::English,
            Language::French => &french::French,
            Language::Russian => &russian::Russian,
            Language::PortugueseBrazil => &portuguese_brazil::PortugueseBrazil,
            Language::TraditionalChinese => &chinese_traditional::TraditionalChinese,
        }
    }
}

/// Chinese subtags after the primary one: the script decides when given,
/// else the region.
fn traditional_chinese(subtags: &[String]) -> Option<Language> {
    let script = subtags.iter().find(|s| s.len() == 4).map(String::as_str);
    let region = subtags.iter().find(|s| s.len() == 2).map(String::as_str);
    let traditional = match (script, region) {
        (Some("hant"), _) => true,
        (Some(_), _) => false,
        (None, Some(region)) => matches!(region, "tw" | "hk" | "mo"),
        (None, None) => false,
    };
    traditional.then_some(Language::TraditionalChinese)
}

/// `text` with its first letter in lower case, for a sentence quoted after
/// a colon in languages that do not capitalise there.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Short fixed texts: headings and field names of the human part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    OriginalSubject,
    OriginalSent,
    NoSubject,
    Recipient,
    OriginalRecipient,
    WhatHappened,
    Why,
    WhoMustAct,
    WhatToDo,
    ForAdministrators,
    ReportingServer,
    QueueId,
    MessageId,
    EnvelopeId,
    Status,
    Category,
    Detail,
    LastErrorCategory,
    ServerReply,
    Connector,
    RemoteServer,
    Attempts,
    LastAttempt,
    WillRetryUntil,
    History,
}

/// What happened to one recipient, for `Catalogue::what_happened`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Situation {
    /// Failed before expiry: refused, or a problem retrying cannot cure.
    Refused,
    /// Given up when the message expired, after trying for `tried_for`.
    Expired { tried_for: Duration, attempts: u32 },
    /// Not delivered yet; retried.
    StillTrying { attempts: u32 },
}

/// The words of one language.
pub trait Catalogue: Sync {
    /// The display name of `MAILER-DAEMON@…` in `From:`.
    fn daemon_name(&self) -> &'static str;
    /// The report's `Subject:`.
    fn subject(&self, kind: ReportKind, original_subject: Option<&str>) -> String;
    fn label(&self, label: Label) -> &'static str;
    /// What stands between a label and its value: `": "` in English.
    fn field_separator(&self) -> &'static str;
    /// What stands between two sentences written one after the other.
    fn sentence_separator(&self) -> &'static str;
    /// A time for people to read.
    fn time(&self, at: OffsetDateTime) -> String;
    /// A length of time for people to read ("24 hours").
    fn duration(&self, span: Duration) -> String;
    /// The first paragraph: what happened to the message as a whole.
    fn opening(&self, kind: ReportKind) -> &'static str;
    /// For delay notices: the relay keeps trying, until when, and what next.
    fn still_trying(&self, until: Option<OffsetDateTime>) -> String;
    fn what_happened(&self, situation: Situation) -> String;
    /// Why: one explanation per diagnosis category.
    fn explanation(&self, category: Category) -> &'static str;
    /// For an expired recipient: introduces the explanation of its last error.
    fn last_error_because(&self, explanation: &str) -> String;
    /// Quotes the reply of the server that turned the message down.
    fn server_said(&self, reply: &str) -> String;
    /// Who has to act; `reporting_mta` names this relay.
    fn actor(&self, actor: Actor, reporting_mta: &str) -> String;
    /// How: what the actor has to do, said to the report's reader.
    fn remedy(&self, remedy: &Remedy) -> String;
    /// What is wrong with a connector and what its administrators must
    /// change: a clause that reads after "the connector cannot deliver:".
    fn connector_problem(&self, problem: ConnectorProblem) -> &'static str;
    /// A note on what of the original is attached.
    fn returned(&self, returned: Returned) -> &'static str;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_is_found_by_its_own_tag() {
        for language in Language::ALL {
            assert_eq!(Language::from_tag(language.tag()), Some(language));
        }
    }

    #[test]
    fn traditional_chinese_is_chosen_by_script_then_region() {
        for tag in [
            "zh-TW",
            "zh-Hant",
            "zh-HK",
            "zh-MO",
            "zh-Hant-CN",
            "zh_TW",
            "ZH-hant-tw",
        ] {
            assert_eq!(
                Language::from_tag(tag),
                Some(Language::TraditionalChinese),
                "{tag}"
            );
        }
        for tag in ["zh", "zh-CN", "zh-Hans", "zh-SG", "zh-Hans-TW"] {
            assert_eq!(Language::from_tag(tag), None, "{tag}");
        }
    }
}
