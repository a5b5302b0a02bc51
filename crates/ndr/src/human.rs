//! The human-readable part of a report: what happened, why, who has to act
//! and how, then a section for administrators with the evidence.
//!
//! This module only lays the page out; every word comes from the catalogue
//! of the chosen language, and every judgement from `advice` by way of
//! `explain`.

use crate::catalogue::{Catalogue, Label, Language, Situation};
use crate::clean;
use crate::delivery_status::{diagnostic_reply, rfc5322_date};
use crate::explain::{explain, explain_for_outside};
use crate::original::Original;
use crate::page::Page;
use crate::report::{Audience, ReportInput, ReportKind, ReportRecipient, Returned};
use mailflow_core::Diagnosis;

/// How many of the latest attempts the administrators' section lists.
const HISTORY_SHOWN: usize = 5;

/// The text of the `text/plain` part, CRLF line endings.
pub fn text(
    input: &ReportInput,
    original: &Original,
    returned: Returned,
    language: Language,
) -> String {
    let words = language.catalogue();
    let mut page = Writer {
        page: Page::default(),
        words,
    };
    page.page.paragraph(words.opening(input.kind));
    if input.kind == ReportKind::Delay {
        page.page
            .paragraph(&words.still_trying(input.will_retry_until));
    }
    let subject = original
        .subject
        .as_deref()
        .unwrap_or(words.label(Label::NoSubject));
    page.field(0, Label::OriginalSubject, subject);
    page.field(0, Label::OriginalSent, &words.time(input.arrival));
    page.page.blank();
    for recipient in &input.recipients {
        recipient_section(&mut page, input, recipient, language);
    }
    page.page.paragraph(words.returned(returned));
    administrators_section(&mut page, input, original);
    page.page.into_crlf()
}

/// A page and the words it is written in.
struct Writer {
    page: Page,
    words: &'static dyn Catalogue,
}

impl Writer {
    fn field(&mut self, indent: usize, label: Label, value: &str) {
        let (label, separator) = (self.words.label(label), self.words.field_separator());
        self.page.field(indent, label, separator, value);
    }
}

fn recipient_section(
    page: &mut Writer,
    input: &ReportInput,
    recipient: &ReportRecipient,
    language: Language,
) {
    let explained = match input.audience {
        Audience::Organisation => explain(
            &recipient.diagnosis,
            recipient.connector.as_deref(),
            &input.reporting_mta,
            language,
        ),
        Audience::Outside => {
            explain_for_outside(&recipient.diagnosis, &input.reporting_mta, language)
        }
    };
    let happened = page.words.what_happened(situation(input, recipient));
    page.field(0, Label::Recipient, &clean::header_text(&recipient.address));
    page.field(2, Label::WhatHappened, &happened);
    page.field(2, Label::Why, &explained.why);
    page.field(2, Label::WhoMustAct, &explained.who_must_act);
    page.field(2, Label::WhatToDo, &explained.what_to_do);
    page.page.blank();
}

fn situation(input: &ReportInput, recipient: &ReportRecipient) -> Situation {
    match (input.kind, &recipient.diagnosis) {
        (ReportKind::Delay, _) => Situation::StillTrying {
            attempts: recipient.attempts,
        },
        (ReportKind::Failure, Diagnosis::Expired { .. }) => Situation::Expired {
            tried_for: input.now - input.arrival,
            attempts: recipient.attempts,
        },
        (ReportKind::Failure, _) => Situation::Refused,
    }
}

fn administrators_section(page: &mut Writer, input: &ReportInput, original: &Original) {
    page.page
        .heading(page.words.label(Label::ForAdministrators));
    page.field(
        2,
        Label::ReportingServer,
        &clean::host(&input.reporting_mta),
    );
    page.field(2, Label::QueueId, &input.original_id.to_string());
    if let Some(id) = original.message_id.as_deref() {
        page.field(2, Label::MessageId, &format!("<{id}>"));
    }
    if let Some(envid) = input.envid.as_deref() {
        page.field(2, Label::EnvelopeId, &clean::header_text(envid));
    }
    page.page.blank();
    for recipient in &input.recipients {
        recipient_evidence(page, input, recipient);
    }
}

fn recipient_evidence(page: &mut Writer, input: &ReportInput, recipient: &ReportRecipient) {
    let diagnosis = &recipient.diagnosis;
    page.field(2, Label::Recipient, &clean::header_text(&recipient.address));
    if let Some(orcpt) = recipient.orcpt.as_deref() {
        page.field(4, Label::OriginalRecipient, &clean::header_text(orcpt));
    }
    page.field(4, Label::Status, &diagnosis.code().to_string());
    page.field(4, Label::Category, diagnosis.category().as_str());
    if let Diagnosis::Expired { last: Some(last) } = diagnosis {
        page.field(4, Label::LastErrorCategory, last.category().as_str());
    }
    if input.audience == Audience::Outside {
        // The code and the explanation above; the evidence stays inside.
        page.field(4, Label::Attempts, &recipient.attempts.to_string());
        page.page.blank();
        return;
    }
    page.field(4, Label::Detail, &clean::header_text(&diagnosis.detail()));
    let reply = clean::header_text(&diagnostic_reply(diagnosis));
    page.field(4, Label::ServerReply, &reply);
    for (label, value) in optional_evidence(input, recipient) {
        if let Some(value) = value {
            page.field(4, label, &value);
        }
    }
    history(page, recipient);
    page.page.blank();
}

/// Fields shown only when there is something to show.
fn optional_evidence(
    input: &ReportInput,
    recipient: &ReportRecipient,
) -> [(Label, Option<String>); 5] {
    let retry_until = input
        .will_retry_until
        .filter(|_| input.kind == ReportKind::Delay);
    [
        (
            Label::Connector,
            recipient.connector.as_deref().map(clean::header_text),
        ),
        (
            Label::RemoteServer,
            recipient.remote_mta.as_deref().map(clean::header_text),
        ),
        (Label::Attempts, Some(recipient.attempts.to_string())),
        (Label::LastAttempt, recipient.last_attempt.map(rfc5322_date)),
        (Label::WillRetryUntil, retry_until.map(rfc5322_date)),
    ]
}

fn history(page: &mut Writer, recipient: &ReportRecipient) {
    if recipient.history.is_empty() {
        return;
    }
    let heading = format!(
        "{}{}",
        page.words.label(Label::History),
        page.words.field_separator().trim_end()
    );
    page.page.line(4, &heading);
    let skip = recipient.history.len().saturating_sub(HISTORY_SHOWN);
    for attempt in &recipient.history[skip..] {
        let server = attempt
            .server
            .as_deref()
            .map(clean::header_text)
            .unwrap_or_else(|| "-".to_string());
        let reply = clean::header_text(&attempt.diagnosis.reply());
        page.page.wrapped(
            6,
            8,
            &format!("{} | {server} | {reply}", rfc5322_date(attempt.at)),
        );
    }
}
