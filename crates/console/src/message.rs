//! One message: its envelope, each recipient's state and last error, the
//! full trace of what happened to it, and actions on it.

use crate::api::{Sent, encode};
use crate::page::{ErrorPage, PageBase, Section, render, render_with};
use crate::posted::Posted;
use crate::signed::Signed;
use askama::Template;
use axum::extract::Path;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use mailflow_admin::{QueueOperationView, TraceView};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    page: PageBase,
    trace: TraceView,
}

pub(crate) async fn show(signed: Signed, Path(id): Path<String>) -> Result<Response, Response> {
    let page = signed.page(Section::Queue);
    let path = format!(
        "/api/v1/trace?message_id={}&lang={}",
        encode(&id),
        signed.lang()
    );
    let traces: Vec<TraceView> = signed.api.get(&path).await.map_err(|e| signed.failed(e))?;
    let Some(trace) = traces.into_iter().next() else {
        let page = ErrorPage {
            message: page.t.no_such_message.to_string(),
            page,
            status: 404,
            detail: None,
        };
        return Err(render_with(StatusCode::NOT_FOUND, &page));
    };
    Ok(render(&MessagePage { page, trace }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ActionForm {
    action: String,
}

pub(crate) async fn action(Path(id): Path<String>, posted: Posted<ActionForm>) -> Response {
    let signed = &posted.signed;
    let action = posted.form.action.as_str();
    let (method, path) = match action {
        "delete" => (Method::DELETE, format!("/api/v1/messages/{}", encode(&id))),
        _ => (
            Method::POST,
            format!("/api/v1/messages/{}/{}", encode(&id), encode(action)),
        ),
    };
    let t = signed.page(Section::None).t;
    let outcome = signed
        .api
        .call::<QueueOperationView>(method, &path, Sent::Nothing)
        .await
        .map(|done| {
            format!(
                "{} {}: {} {}",
                t.done,
                t.queue_action(action),
                done.recipients,
                t.recipients
            )
        });
    let back = if action == "delete" {
        "/queue".to_string()
    } else {
        format!("/messages/{}", encode(&id))
    };
    signed.done(&back, outcome)
}
