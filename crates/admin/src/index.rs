//! `GET /api/v1`: what the API has — each resource's path, its methods and
//! what it is, read from the OpenAPI document so it never lists a route
//! the API does not have — and `GET /`, which points there (the admin URL
//! the start-up summary prints must lead somewhere useful).
//!
//! Both answer without a token: they say no more than the OpenAPI document,
//! which is public already (see `auth::PUBLIC_PATHS`).

use crate::auth::PUBLIC_PATHS;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;
use utoipa::ToSchema;
use utoipa::openapi::path::{Operation, PathItem};

/// Where the API is, for whoever opens the admin address in a browser.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RootView {
    pub name: String,
    pub message: String,
    /// The API's index: `/api/v1`.
    pub api: String,
    /// The OpenAPI document: `/api/v1/openapi.json`.
    pub openapi: String,
}

/// The API's index.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IndexView {
    pub name: String,
    pub version: String,
    /// How to authenticate.
    pub authentication: String,
    /// The OpenAPI document, with every parameter and shape.
    pub openapi: String,
    pub resources: Vec<ResourceView>,
}

/// One path of the API.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ResourceView {
    /// e.g. `/api/v1/messages/{id}`.
    pub path: String,
    /// e.g. `["GET"]`.
    pub methods: Vec<String>,
    /// What it is, per method: `GET: …`.
    pub description: String,
    /// `false` only for the few paths open without a token.
    pub token_required: bool,
}

#[utoipa::path(get, path = "/", tag = "index",
    responses((status = 200, description = "Where the API and its OpenAPI document are", body = RootView)))]
pub(crate) async fn root() -> Json<RootView> {
    Json(RootView {
        name: "mailflow".into(),
        message: "This is mailflow's admin API; there is no web console here yet. \
                  The API's index is at /api/v1, its OpenAPI document at /api/v1/openapi.json."
            .into(),
        api: "/api/v1".into(),
        openapi: "/api/v1/openapi.json".into(),
    })
}

#[utoipa::path(get, path = "/api/v1", tag = "index",
    responses((status = 200, description = "The API's resources: path, methods and what each is", body = IndexView)))]
pub(crate) async fn index() -> Json<IndexView> {
    Json(index_of(&crate::ApiDoc::openapi()))
}

fn index_of(document: &utoipa::openapi::OpenApi) -> IndexView {
    let resources = document
        .paths
        .paths
        .iter()
        .map(|(path, item)| resource(path, item))
        .collect();
    IndexView {
        name: document.info.title.clone(),
        version: document.info.version.clone(),
        authentication: "send `Authorization: Bearer <token>` (the token is in <data dir>/admin-token unless the config sets admin.tokens); the resources marked token_required: false answer without one".into(),
        openapi: "/api/v1/openapi.json".into(),
        resources,
    }
}

fn resource(path: &str, item: &PathItem) -> ResourceView {
    let operations = [
        ("GET", &item.get),
        ("POST", &item.post),
        ("PUT", &item.put),
        ("PATCH", &item.patch),
        ("DELETE", &item.delete),
    ];
    let mut methods = Vec::new();
    let mut descriptions = Vec::new();
    for (method, operation) in operations {
        if let Some(operation) = operation {
            methods.push(method.to_string());
            descriptions.push(format!("{method}: {}", what_it_is(operation)));
        }
    }
    ResourceView {
        path: path.to_string(),
        methods,
        description: descriptions.join("; "),
        token_required: !PUBLIC_PATHS.contains(&path),
    }
}

/// The operation's summary, else what its success answers with.
fn what_it_is(operation: &Operation) -> String {
    if let Some(summary) = operation.summary.as_deref().filter(|s| !s.is_empty()) {
        return summary.to_string();
    }
    operation
        .responses
        .responses
        .iter()
        .find(|(status, _)| status.starts_with('2'))
        .and_then(|(_, response)| match response {
            utoipa::openapi::RefOr::T(response) => Some(response.description.clone()),
            utoipa::openapi::RefOr::Ref(_) => None,
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_path_is_listed_with_its_methods() {
        let document = crate::ApiDoc::openapi();
        let index = index_of(&document);
        assert_eq!(index.resources.len(), document.paths.paths.len());
        let messages = index
            .resources
            .iter()
            .find(|r| r.path == "/api/v1/messages")
            .unwrap();
        assert_eq!(messages.methods, ["GET"]);
        assert!(messages.token_required);
        assert!(messages.description.starts_with("GET: "), "{messages:?}");
        assert!(messages.description.len() > "GET: ".len(), "{messages:?}");
        let health = index
            .resources
            .iter()
            .find(|r| r.path == "/api/v1/health")
            .unwrap();
        assert!(!health.token_required);
    }
}
