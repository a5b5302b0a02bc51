//! The human-readable part of a report: what happened, why, who has to act
//! and how, then a section for administrators with the evidence.
//!
//! This module only lays the page out; every word comes from the catalogue
//! of the chosen language, and every judgement from `advice`.

use crate::advice::advise;
use crate::catalogue::{Catalogue, Label, Situation};
use crate::clean;
use crate::delivery_status::{diagnostic_reply, rfc5322_date};
use crate::original::Original;
use crate::report::{ReportInput, ReportKind, ReportRecipient, Returned};
use mailflow_core::{Diagnosis, RemoteReply};

/// Short enough that the text needs no transfer encoding.
const WIDTH: usize = 72;
/// How many of the latest attempts the administrators' section lists.
const HISTORY_SHOWN: usize = 5;

/// The text of the `text/plain` part, CRLF line endings.
pub fn text(
    input: &ReportInput,
    original: &Original,
    returned: Returned,
    words: &dyn Catalogue,
) -> String {
    let mut page = Page::default();
    page.paragraph(words.opening(input.kind));
    if input.kind == ReportKind::Delay {
        page.paragraph(&words.still_trying(input.will_retry_until));
    }
    let subject = original
        .subject
        .as_deref()
        .unwrap_or(words.label(Label::NoSubject));
    page.field(0, words.label(Label::OriginalSubject), subject);
    page.field(
        0,
        words.label(Label::OriginalSent),
        &words.time(input.arrival),
    );
    page.blank();
    for recipient in &input.recipients {
        recipient_section(&mut page, input, recipient, words);
    }
    page.paragraph(words.returned(returned));
    administrators_section(&mut page, input, original, words);
    page.out.replace('\n', "\r\n")
}

fn recipient_section(
    page: &mut Page,
    input: &ReportInput,
    recipient: &ReportRecipient,
    words: &dyn Catalogue,
) {
    let advice = advise(&recipient.diagnosis, recipient.connector.as_deref());
    page.field(
        0,
        words.label(Label::Recipient),
        &clean::header_text(&recipient.address),
    );
    page.field(
        2,
        words.label(Label::WhatHappened),
        &words.what_happened(situation(input, recipient)),
    );
    page.field(
        2,
        words.label(Label::Why),
        &why(&recipient.diagnosis, words),
    );
    page.field(
        2,
        words.label(Label::WhoMustAct),
        &words.actor(advice.actor, &input.reporting_mta),
    );
    page.field(
        2,
        words.label(Label::WhatToDo),
        &words.remedy(&advice.remedy),
    );
    page.blank();
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

/// The category's explanation; for an expired recipient, also its last
/// error's; and the server's own words when it replied.
fn why(diagnosis: &Diagnosis, words: &dyn Catalogue) -> String {
    let mut why = words.explanation(diagnosis.category()).to_string();
    if let Diagnosis::Expired { last: Some(last) } = diagnosis {
        why = format!(
            "{why} {}",
            words.last_error_because(words.explanation(last.category()))
        );
    }
    if let Some(reply) = remote_reply(diagnosis) {
        why = format!(
            "{why} {}",
            words.server_said(&clean::header_text(&reply.to_string()))
        );
    }
    why
}

fn remote_reply(diagnosis: &Diagnosis) -> Option<&RemoteReply> {
    match diagnosis {
        Diagnosis::RemoteTransient { reply, .. } | Diagnosis::RemotePermanent { reply, .. } => {
            Some(reply)
        }
        Diagnosis::Expired { last: Some(last) } => remote_reply(last),
        _ => None,
    }
}

fn administrators_section(
    page: &mut Page,
    input: &ReportInput,
    original: &Original,
    words: &dyn Catalogue,
) {
    page.heading(words.label(Label::ForAdministrators));
    page.field(
        2,
        words.label(Label::ReportingServer),
        &clean::host(&input.reporting_mta),
    );
    page.field(
        2,
        words.label(Label::QueueId),
        &input.original_id.to_string(),
    );
    if let Some(id) = original.message_id.as_deref() {
        page.field(2, words.label(Label::MessageId), &format!("<{id}>"));
    }
    if let Some(envid) = input.envid.as_deref() {
        page.field(
            2,
            words.label(Label::EnvelopeId),
            &clean::header_text(envid),
        );
    }
    page.blank();
    for recipient in &input.recipients {
        recipient_evidence(page, input, recipient, words);
    }
}

fn recipient_evidence(
    page: &mut Page,
    input: &ReportInput,
    recipient: &ReportRecipient,
    words: &dyn Catalogue,
) {
    let diagnosis = &recipient.diagnosis;
    page.field(
        2,
        words.label(Label::Recipient),
        &clean::header_text(&recipient.address),
    );
    if let Some(orcpt) = recipient.orcpt.as_deref() {
        page.field(
            4,
            words.label(Label::OriginalRecipient),
            &clean::header_text(orcpt),
        );
    }
    page.field(4, words.label(Label::Status), &diagnosis.code().to_string());
    page.field(
        4,
        words.label(Label::Category),
        diagnosis.category().as_str(),
    );
    if let Diagnosis::Expired { last: Some(last) } = diagnosis {
        page.field(
            4,
            words.label(Label::LastErrorCategory),
            last.category().as_str(),
        );
    }
    page.field(
        4,
        words.label(Label::Detail),
        &clean::header_text(&diagnosis.detail()),
    );
    page.field(
        4,
        words.label(Label::ServerReply),
        &clean::header_text(&diagnostic_reply(diagnosis)),
    );
    let optional = [
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
        (
            Label::WillRetryUntil,
            input
                .will_retry_until
                .filter(|_| input.kind == ReportKind::Delay)
                .map(rfc5322_date),
        ),
    ];
    for (label, value) in optional {
        if let Some(value) = value {
            page.field(4, words.label(label), &value);
        }
    }
    history(page, recipient, words);
    page.blank();
}

fn history(page: &mut Page, recipient: &ReportRecipient, words: &dyn Catalogue) {
    if recipient.history.is_empty() {
        return;
    }
    page.line(4, &format!("{}:", words.label(Label::History)));
    let skip = recipient.history.len().saturating_sub(HISTORY_SHOWN);
    for attempt in &recipient.history[skip..] {
        let server = attempt
            .server
            .as_deref()
            .map(clean::header_text)
            .unwrap_or_else(|| "-".to_string());
        let reply = clean::header_text(&attempt.diagnosis.reply());
        page.wrapped(
            6,
            8,
            &format!("{} | {server} | {reply}", rfc5322_date(attempt.at)),
        );
    }
}

/// Plain text with word wrapping, LF line endings until the end.
#[derive(Default)]
struct Page {
    out: String,
}

impl Page {
    fn paragraph(&mut self, text: &str) {
        self.wrapped(0, 0, text);
        self.blank();
    }

    fn heading(&mut self, text: &str) {
        self.line(0, text);
        self.line(0, &"-".repeat(text.chars().count()));
    }

    fn field(&mut self, indent: usize, label: &str, value: &str) {
        self.wrapped(indent, indent + 2, &format!("{label}: {value}"));
    }

    fn line(&mut self, indent: usize, text: &str) {
        self.out.push_str(&" ".repeat(indent));
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    /// `text` on lines of at most `WIDTH` characters where the words allow:
    /// the first line indented by `first`, the others by `rest`.
    fn wrapped(&mut self, first: usize, rest: usize, text: &str) {
        let mut line = " ".repeat(first);
        let mut has_word = false;
        for word in text.split_whitespace() {
            if has_word && line.chars().count() + 1 + word.chars().count() > WIDTH {
                self.out.push_str(&line);
                self.out.push('\n');
                line = " ".repeat(rest);
                has_word = false;
            }
            if has_word {
                line.push(' ');
            }
            line.push_str(word);
            has_word = true;
        }
        self.out.push_str(&line);
        self.out.push('\n');
    }
}
