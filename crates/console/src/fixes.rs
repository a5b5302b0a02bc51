//! Fix actions: the list of those offered now, one fix's preview (which
//! domains change, how many queued recipients would be bounced and whose
//! senders get a report, which connector is disabled), and applying it,
//! which leads to its audit entry, from where it is undone.

use crate::api::{Sent, encode};
use crate::page::{PageBase, Section, render, render_with};
use crate::posted::{NoFields, Posted};
use crate::signed::Signed;
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mailflow_admin::{AuditEntryView, FixView, MessageListView};
use mailflow_ndr::AuditAction;
use std::collections::BTreeSet;

#[derive(Template)]
#[template(path = "fixes.html")]
struct FixesPage {
    page: PageBase,
    fixes: Vec<(FixView, &'static str)>,
}

#[derive(Template)]
#[template(path = "fix.html")]
struct FixPage {
    page: PageBase,
    fix: FixView,
    label: &'static str,
    /// Senders of the first queued messages that a bounce would return.
    senders: Vec<String>,
    more_senders: bool,
}

/// How many queued messages the preview reads for the senders it names.
const SENDER_SAMPLE: usize = 100;

/// What a fix id's verb does, in the page's language: the name the audit
/// log gives the action.
pub(crate) fn label(id: &str, page: &PageBase) -> &'static str {
    let verb = id.split(':').next().unwrap_or(id);
    AuditAction::from_id(verb).map_or(page.t.fix_other, |action| {
        page.language.operations_catalogue().action(action)
    })
}

pub(crate) async fn list(signed: Signed) -> Result<Response, Response> {
    let page = signed.page(Section::Fixes);
    let fixes: Vec<FixView> = signed
        .api
        .get(&format!("/api/v1/fixes?lang={}", signed.lang()))
        .await
        .map_err(|e| signed.failed(e))?;
    let fixes = fixes
        .into_iter()
        .map(|fix| {
            let label = label(&fix.id, &page);
            (fix, label)
        })
        .collect();
    Ok(render(&FixesPage { page, fixes }))
}

pub(crate) async fn preview(signed: Signed, Path(id): Path<String>) -> Result<Response, Response> {
    let page = signed.page(Section::Fixes);
    let fixes: Vec<FixView> = signed
        .api
        .get(&format!("/api/v1/fixes?lang={}", signed.lang()))
        .await
        .map_err(|e| signed.failed(e))?;
    let Some(fix) = fixes.into_iter().find(|fix| fix.id == id) else {
        let page = crate::page::ErrorPage {
            message: page.t.fix_not_offered.to_string(),
            page,
            status: 404,
            detail: None,
        };
        return Err(render_with(StatusCode::NOT_FOUND, &page));
    };
    let (senders, more_senders) = if fix.preview.recipients_to_bounce > 0 {
        senders(&signed, &fix.connector).await?
    } else {
        (Vec::new(), false)
    };
    Ok(render(&FixPage {
        label: label(&fix.id, &page),
        page,
        fix,
        senders,
        more_senders,
    }))
}

/// The senders of the first queued messages on `connector`; whether
/// there are more messages than were read.
async fn senders(signed: &Signed, connector: &str) -> Result<(Vec<String>, bool), Response> {
    let path = format!(
        "/api/v1/messages?connector={}&limit={SENDER_SAMPLE}",
        encode(connector)
    );
    let list: MessageListView = signed.api.get(&path).await.map_err(|e| signed.failed(e))?;
    let senders: BTreeSet<String> = list
        .messages
        .into_iter()
        .filter(|message| {
            message
                .recipients
                .iter()
                .any(|r| !matches!(r.state.as_str(), "delivered" | "failed"))
        })
        .map(|message| message.sender)
        .filter(|sender| !sender.is_empty())
        .collect();
    Ok((senders.into_iter().collect(), list.next_cursor.is_some()))
}

pub(crate) async fn apply(Path(id): Path<String>, posted: Posted<NoFields>) -> Response {
    let signed = &posted.signed;
    let path = format!("/api/v1/fixes/{}/apply", encode(&id));
    match signed
        .api
        .post::<AuditEntryView>(&path, Sent::Nothing)
        .await
    {
        Ok(entry) => {
            let page = signed.page(Section::None);
            signed.notify(crate::session::Notice::done(format!(
                "{}: {}",
                page.t.fix_applied,
                label(&id, &page)
            )));
            Redirect::to(&format!("/audit/{}", entry.id)).into_response()
        }
        Err(failure) => signed.done(&format!("/fixes/{}", encode(&id)), Err(failure)),
    }
}
