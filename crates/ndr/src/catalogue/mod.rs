//! Every word a person reads in a report, per language.
//!
//! The builder never holds text of its own: it asks the catalogue of the
//! chosen `Language` for labels and sentences, passing typed values (a
//! category, a remedy, a time). The same words serve anything else that
//! explains a failure to people: see `crate::explain`. Adding a language is
//! adding a variant, a file implementing `Catalogue`, and its tags in
//! `Language::from_tag`; the builder does not change.

mod english;

use crate::advice::{Actor, ConnectorProblem, Remedy};
use crate::report::{ReportKind, Returned};
use mailflow_core::Category;
use time::{Duration, OffsetDateTime};

/// The languages reports can be written in. SPEC section 5 asks for English,
/// French, Russian, Portuguese (Brazil) and Traditional Chinese; only English
/// is written so far, and every request falls back to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    English,
}

impl Language {
    /// The BCP 47 tag put in the human part's `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
        }
    }

    /// The language a BCP 47 tag asks for, when it is one we write.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Language::English),
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
        }
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
    fn every_request_falls_back_to_english_until_other_languages_are_written() {
        assert_eq!(Language::negotiate(["fr-FR", "ru"]), Language::English);
        assert_eq!(Language::negotiate(Vec::<&str>::new()), Language::English);
        assert_eq!(Language::from_tag("en-GB"), Some(Language::English));
        assert_eq!(Language::from_tag("pt-BR"), None);
    }
}
