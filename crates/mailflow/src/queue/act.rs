//! `mailflow queue retry|suspend|resume|bounce|delete`: one message by id
//! (or one recipient of it), or the messages a filter picks.
//!
//! With a filter, the API is asked for the count first (`dry_run`) and the
//! count printed; bouncing or deleting more than one message then asks for
//! a `y` on the terminal, or `--yes` (without a terminal and without
//! `--yes`, nothing is done). The operation then goes a page of messages
//! per request, each request its own audit entry, with a progress bar on
//! the terminal.

use super::{ApiClient, ClientError};
use crate::cli::QueueActionArgs;
use indicatif::{ProgressBar, ProgressStyle};
use mailflow_admin::QueueOperationView;
use serde_json::{Map, Value, json};
use std::io::{BufRead, IsTerminal, Write};

/// Messages acted on per request: small enough for the bar to move.
const PAGE: usize = 100;

/// How an operation is named in what is printed.
pub struct Verb {
    api: &'static str,
    done: &'static str,
    /// Asks before more than one message.
    asks: bool,
}

pub fn verb(name: &str) -> Verb {
    let (api, done, asks) = match name {
        "retry" => ("retry", "retried", false),
        "suspend" => ("suspend", "suspended", false),
        "resume" => ("resume", "resumed", false),
        "bounce" => ("bounce", "bounced", true),
        _ => ("delete", "deleted", true),
    };
    Verb { api, done, asks }
}

/// Runs the operation; returns what to print.
pub async fn run(
    client: &ApiClient,
    verb: Verb,
    args: QueueActionArgs,
    actor: &str,
) -> Result<String, ClientError> {
    if let Some(id) = &args.id {
        return on_message(
            client,
            &verb,
            id,
            args.recipient.as_deref(),
            args.json,
            actor,
        )
        .await;
    }
    let path = format!("/api/v1/queue/{}", verb.api);
    let filter = filter(&args);
    let counted: QueueOperationView = client
        .post_body(&path, actor, &with(&filter, &[("dry_run", json!(true))]))
        .await?;
    if args.dry_run {
        return Ok(match args.json {
            true => super::render::json(&counted),
            false => matched(&counted),
        });
    }
    if !args.json {
        eprintln!("{}", matched(&counted));
    }
    if counted.messages == 0 {
        return Ok(match args.json {
            true => super::render::json(&counted),
            false => "nothing to do".to_string(),
        });
    }
    if verb.asks && counted.messages > 1 && !args.yes {
        confirm(&verb, counted.messages)?;
    }
    let bar = progress(counted.messages);
    let mut total = Total::default();
    let mut cursor: Option<String> = None;
    loop {
        let mut page = vec![("limit", json!(PAGE))];
        if let Some(cursor) = &cursor {
            page.push(("cursor", json!(cursor)));
        }
        let done: QueueOperationView = client
            .post_body(&path, actor, &with(&filter, &page))
            .await?;
        bar.inc(done.messages);
        total.add(&done);
        match done.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    bar.finish_and_clear();
    Ok(match args.json {
        true => super::render::json(&total.json(verb.api)),
        false => total.text(&verb),
    })
}

async fn on_message(
    client: &ApiClient,
    verb: &Verb,
    id: &str,
    recipient: Option<&str>,
    json: bool,
    actor: &str,
) -> Result<String, ClientError> {
    let id = crate::fix::path_segment(id);
    let done: QueueOperationView = match verb.api {
        "delete" => {
            let query: Vec<(&str, &str)> =
                recipient.map(|r| ("recipient", r)).into_iter().collect();
            client
                .delete(&format!("/api/v1/messages/{id}"), &query, actor)
                .await?
        }
        action => {
            let body = match recipient {
                Some(recipient) => json!({ "recipient": recipient }),
                None => json!({}),
            };
            let path = format!("/api/v1/messages/{id}/{action}");
            client.post_body(&path, actor, &body).await?
        }
    };
    if json {
        return Ok(super::render::json(&done));
    }
    let mut text = format!(
        "{} {} recipient(s) of message {id}",
        verb.done, done.recipients
    );
    if !done.in_flight_recipients.is_empty() {
        text.push_str(&format!(
            "; in flight, left alone: {}",
            done.in_flight_recipients.join(", ")
        ));
    }
    if let Some(audit) = done.audit_id {
        text.push_str(&format!(" (audit entry {audit})"));
    }
    Ok(text)
}

/// The filter flags as the API's body.
fn filter(args: &QueueActionArgs) -> Map<String, Value> {
    let mut body = Map::new();
    let fields = [
        ("connector", &args.connector),
        ("next_hop", &args.next_hop),
        ("code", &args.code),
        ("state", &args.state),
        ("sender", &args.sender),
        ("recipient", &args.recipient),
        ("older_than", &args.older_than),
        ("newer_than", &args.newer_than),
        ("received_before", &args.received_before),
        ("received_after", &args.received_after),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            body.insert(name.to_string(), json!(value));
        }
    }
    if args.all {
        body.insert("all".to_string(), json!(true));
    }
    body
}

fn with(filter: &Map<String, Value>, more: &[(&str, Value)]) -> Value {
    let mut body = filter.clone();
    for (name, value) in more {
        body.insert(name.to_string(), value.clone());
    }
    Value::Object(body)
}

fn matched(counted: &QueueOperationView) -> String {
    let mut text = format!(
        "{} message(s), {} recipient(s) match",
        counted.messages, counted.recipients
    );
    if counted.in_flight > 0 {
        text.push_str(&format!(
            " ({} recipient(s) in flight are left alone)",
            counted.in_flight
        ));
    }
    text
}

/// A `y` line on the terminal, or a refusal that changes nothing.
fn confirm(verb: &Verb, messages: u64) -> Result<(), ClientError> {
    let refused =
        |why: &str| ClientError::NotConfirmed(format!("{why}; nothing was {}", verb.done));
    if !std::io::stdin().is_terminal() {
        return Err(refused(&format!(
            "{} {messages} messages needs confirmation, and stdin is not a terminal: pass --yes",
            verb.api
        )));
    }
    eprint!("{} {messages} messages? [y/N] ", verb.api);
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| refused(&format!("cannot read the answer: {error}")))?;
    match line.trim() {
        "y" | "Y" | "yes" => Ok(()),
        _ => Err(refused("not confirmed")),
    }
}

/// A bar on stderr when it is a terminal; hidden otherwise.
fn progress(messages: u64) -> ProgressBar {
    let bar = ProgressBar::new(messages);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} messages ({eta} left)") {
        bar.set_style(style);
    }
    bar
}

/// What the requests of one operation did together.
#[derive(Default)]
struct Total {
    messages: u64,
    recipients: u64,
    in_flight: u64,
    audit_ids: Vec<u64>,
}

impl Total {
    fn add(&mut self, done: &QueueOperationView) {
        self.messages += done.messages;
        self.recipients += done.recipients;
        self.in_flight += done.in_flight;
        self.audit_ids.extend(done.audit_id);
    }

    fn json(&self, action: &str) -> Value {
        json!({
            "action": action,
            "messages": self.messages,
            "recipients": self.recipients,
            "in_flight": self.in_flight,
            "audit_ids": self.audit_ids,
        })
    }

    fn text(&self, verb: &Verb) -> String {
        let mut text = format!(
            "{} {} recipient(s) in {} message(s)",
            verb.done, self.recipients, self.messages
        );
        if self.in_flight > 0 {
            text.push_str(&format!(
                "; {} recipient(s) in flight left alone",
                self.in_flight
            ));
        }
        match self.audit_ids.as_slice() {
            [] => {}
            [one] => text.push_str(&format!(" (audit entry {one})")),
            [first, .., last] => text.push_str(&format!(" (audit entries {first} to {last})")),
        }
        text
    }
}
