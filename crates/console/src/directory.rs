//! The directory: search, add and remove addresses, and import a CSV
//! (pasted, or read from a file by the page's script) with its report.

use crate::api::Sent;
use crate::page::{PageBase, Section, render};
use crate::posted::Posted;
use crate::signed::Signed;
use askama::Template;
use axum::extract::Query;
use axum::http::Method;
use axum::response::Response;
use mailflow_admin::{DirectoryAdded, DirectoryImport, DirectoryRemoved, DirectoryView};
use serde::Deserialize;

/// Matching addresses a page shows.
const SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    page: PageBase,
    search: String,
    total: usize,
    matching: usize,
    shown: Vec<String>,
    report: Option<DirectoryImport>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub(crate) async fn list(
    signed: Signed,
    Query(query): Query<SearchQuery>,
) -> Result<Response, Response> {
    page(&signed, query.q, None).await
}

async fn page(
    signed: &Signed,
    search: String,
    report: Option<DirectoryImport>,
) -> Result<Response, Response> {
    let directory: DirectoryView = signed
        .api
        .get("/api/v1/directory")
        .await
        .map_err(|e| signed.failed(e))?;
    let needle = search.trim().to_lowercase();
    let matching: Vec<String> = directory
        .recipients
        .iter()
        .filter(|address| address.contains(&needle))
        .cloned()
        .collect();
    Ok(render(&DirectoryPage {
        page: signed.page(Section::Directory),
        total: directory.recipients.len(),
        matching: matching.len(),
        shown: matching.into_iter().take(SHOWN).collect(),
        search,
        report,
    }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct AddressesForm {
    addresses: String,
}

fn addresses(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|address| !address.is_empty())
        .collect()
}

pub(crate) async fn add(posted: Posted<AddressesForm>) -> Response {
    let signed = &posted.signed;
    let body = serde_json::json!(addresses(&posted.form.addresses));
    let t = signed.page(Section::None).t;
    let done = signed
        .api
        .post::<DirectoryAdded>("/api/v1/directory", Sent::Json(body))
        .await
        .map(|added| {
            format!(
                "{}: {} · {}: {}",
                t.added,
                added.added.len(),
                t.unchanged,
                added.unchanged.len()
            )
        });
    signed.done("/directory", done)
}

pub(crate) async fn remove(posted: Posted<AddressesForm>) -> Response {
    let signed = &posted.signed;
    let body = serde_json::json!(addresses(&posted.form.addresses));
    let t = signed.page(Section::None).t;
    let done = signed
        .api
        .call::<DirectoryRemoved>(Method::DELETE, "/api/v1/directory", Sent::Json(body))
        .await
        .map(|removed| {
            format!(
                "{}: {} · {}: {}",
                t.removed,
                removed.removed.len(),
                t.not_there,
                removed.absent.len()
            )
        });
    signed.done("/directory", done)
}

#[derive(Debug, Deserialize)]
pub(crate) struct ImportForm {
    csv: String,
}

/// The import's report is the page's answer (not a notice): its refused
/// lines are a table.
pub(crate) async fn import(posted: Posted<ImportForm>) -> Result<Response, Response> {
    let signed = &posted.signed;
    let report: DirectoryImport = signed
        .api
        .post("/api/v1/directory/import", Sent::Csv(posted.form.csv))
        .await
        .map_err(|e| signed.failed(e))?;
    page(signed, String::new(), Some(report)).await
}
