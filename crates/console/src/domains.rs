//! Accepted domains: the list, adding one, removing one.

use crate::api::{Sent, encode};
use crate::page::{PageBase, Section, render};
use crate::posted::{NoFields, Posted};
use crate::signed::Signed;
use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use mailflow_admin::DomainView;
use serde::Deserialize;
use serde_json::json;

#[derive(Template)]
#[template(path = "domains.html")]
struct DomainsPage {
    page: PageBase,
    domains: Vec<(String, &'static str)>,
}

pub(crate) async fn list(signed: Signed) -> Result<Response, Response> {
    let domains: Vec<DomainView> = signed
        .api
        .get("/api/v1/accepted-domains")
        .await
        .map_err(|e| signed.failed(e))?;
    let page = signed.page(Section::Domains);
    let domains = domains
        .into_iter()
        .map(|domain| {
            let kind = match domain.kind {
                mailflow_core::DomainType::Authoritative => "authoritative",
                mailflow_core::DomainType::InternalRelay => "internal_relay",
            };
            (domain.name, kind)
        })
        .collect();
    Ok(render(&DomainsPage { page, domains }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct AddForm {
    name: String,
    kind: String,
}

pub(crate) async fn add(posted: Posted<AddForm>) -> Response {
    let signed = &posted.signed;
    let body = json!({"name": posted.form.name.trim(), "type": posted.form.kind});
    let t = signed.page(Section::None).t;
    let done = signed
        .api
        .post::<serde_json::Value>("/api/v1/accepted-domains", Sent::Json(body))
        .await
        .map(|_| t.saved.to_string());
    signed.done("/domains", done)
}

pub(crate) async fn remove(Path(name): Path<String>, posted: Posted<NoFields>) -> Response {
    let path = format!("/api/v1/accepted-domains/{}", encode(&name));
    (posted.signed)
        .delete(&path, |t| t.removed, &name, "/domains")
        .await
}
