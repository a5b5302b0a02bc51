//! The queue: messages filtered by connector, code, state, sender,
//! recipient and age, a page at a time; and an action on everything the
//! filter picks, with how much it would touch shown before it is done.

use crate::api::{Sent, encode};
use crate::page::{PageBase, Section, render};
use crate::posted::Posted;
use crate::queue_filter::QueueFilter;
use crate::signed::Signed;
use askama::Template;
use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use mailflow_admin::{MessageListView, MessageView, QueueOperationView};
use serde::Deserialize;

/// Messages per page.
const PAGE: usize = 50;

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    page: PageBase,
    filter: QueueFilter,
    messages: Vec<MessageView>,
    next: Option<String>,
    states: [&'static str; 6],
}

#[derive(Template)]
#[template(path = "queue_confirm.html")]
struct ConfirmPage {
    page: PageBase,
    filter: QueueFilter,
    action: String,
    counted: QueueOperationView,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(flatten)]
    filter: QueueFilter,
    #[serde(default)]
    cursor: Option<String>,
}

/// The states a recipient can be in, as the API names them.
const STATES: [&str; 6] = [
    "queued",
    "in_flight",
    "deferred",
    "suspended",
    "delivered",
    "failed",
];

pub(crate) async fn list(
    signed: Signed,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    let filter = query.filter;
    let mut path = format!("/api/v1/messages?limit={PAGE}");
    if !filter.is_empty() {
        path.push('&');
        path.push_str(&filter.query());
    }
    if let Some(cursor) = query.cursor.filter(|c| !c.is_empty()) {
        path.push_str(&format!("&cursor={}", encode(&cursor)));
    }
    let list: MessageListView = signed.api.get(&path).await.map_err(|e| signed.failed(e))?;
    let next = list.next_cursor.map(|cursor| {
        let mut link = format!("/queue?cursor={}", encode(&cursor));
        if !filter.is_empty() {
            link.push('&');
            link.push_str(&filter.query());
        }
        link
    });
    Ok(render(&QueuePage {
        page: signed.page(Section::Queue),
        filter,
        messages: list.messages,
        next,
        states: STATES,
    }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ActionForm {
    #[serde(flatten)]
    filter: QueueFilter,
    action: String,
    /// Set on the confirmation page: do it now.
    #[serde(default)]
    confirmed: Option<String>,
}

pub(crate) async fn action(posted: Posted<ActionForm>) -> Response {
    let signed = &posted.signed;
    let ActionForm {
        filter,
        action,
        confirmed,
    } = posted.form;
    let back = match filter.query() {
        query if query.is_empty() => "/queue".to_string(),
        query => format!("/queue?{query}"),
    };
    let path = format!("/api/v1/queue/{}", encode(&action));
    let dry_run = confirmed.is_none();
    let outcome = signed
        .api
        .post::<QueueOperationView>(&path, Sent::Json(filter.operation(dry_run)))
        .await;
    match outcome {
        Ok(counted) if dry_run => render(&ConfirmPage {
            page: signed.page(Section::Queue),
            filter,
            action,
            counted,
        }),
        Ok(done) => {
            let t = signed.page(Section::None).t;
            let text = format!(
                "{} {}: {} {}, {} {}",
                t.done, action, done.messages, t.messages, done.recipients, t.recipients
            );
            signed.notify(crate::session::Notice::done(text));
            Redirect::to(&back).into_response()
        }
        Err(failure) => signed.done(&back, Err(failure)),
    }
}
