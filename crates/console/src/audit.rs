//! The audit log: every fix and operator action, newest first; one entry
//! in full (what it changed, before and after), and undo.

use crate::api::Sent;
use crate::page::{ErrorPage, PageBase, Section, render, render_with};
use crate::posted::{NoFields, Posted};
use crate::signed::Signed;
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mailflow_admin::AuditEntryView;

/// The entries the log page shows (the API's largest page).
const SHOWN: usize = 1000;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: PageBase,
    /// Each entry with its action's name in the page's language.
    entries: Vec<(AuditEntryView, String)>,
}

#[derive(Template)]
#[template(path = "audit_entry.html")]
struct EntryPage {
    page: PageBase,
    entry: AuditEntryView,
    name: String,
    before: String,
    after: String,
}

fn name(signed: &Signed, entry: &AuditEntryView) -> String {
    mailflow_ndr::action_name(signed.language.operations_catalogue(), &entry.action)
}

async fn entries(signed: &Signed) -> Result<Vec<AuditEntryView>, Response> {
    signed
        .api
        .get(&format!("/api/v1/audit?limit={SHOWN}"))
        .await
        .map_err(|e| signed.failed(e))
}

pub(crate) async fn list(signed: Signed) -> Result<Response, Response> {
    let entries = entries(&signed)
        .await?
        .into_iter()
        .map(|entry| {
            let name = name(&signed, &entry);
            (entry, name)
        })
        .collect();
    Ok(render(&AuditPage {
        page: signed.page(Section::Fixes),
        entries,
    }))
}

pub(crate) async fn show(signed: Signed, Path(id): Path<u64>) -> Result<Response, Response> {
    let page = signed.page(Section::Fixes);
    let Some(entry) = entries(&signed).await?.into_iter().find(|e| e.id == id) else {
        let page = ErrorPage {
            message: page.t.no_such_audit_entry.to_string(),
            page,
            status: 404,
            detail: None,
        };
        return Err(render_with(StatusCode::NOT_FOUND, &page));
    };
    let pretty =
        |value: &serde_json::Value| serde_json::to_string_pretty(value).unwrap_or_default();
    Ok(render(&EntryPage {
        name: name(&signed, &entry),
        before: pretty(&entry.before),
        after: pretty(&entry.after),
        page,
        entry,
    }))
}

pub(crate) async fn undo(Path(id): Path<u64>, posted: Posted<NoFields>) -> Response {
    let signed = &posted.signed;
    let path = format!("/api/v1/fixes/{id}/undo");
    match signed
        .api
        .post::<AuditEntryView>(&path, Sent::Nothing)
        .await
    {
        Ok(entry) => {
            let t = signed.page(Section::None).t;
            signed.notify(crate::session::Notice::done(t.undone));
            Redirect::to(&format!("/audit/{}", entry.id)).into_response()
        }
        Err(failure) => signed.done(&format!("/audit/{id}"), Err(failure)),
    }
}
