//! The organisation's directory (the recipients an authoritative domain
//! takes) over the API: `GET/POST/DELETE /directory` with one address or a
//! list, and `POST /directory/import` with a CSV export. A change is in
//! force for the next RCPT at once, kept in the store, and audited
//! (`directory-add`, `directory-remove`, `directory-import`) with the
//! entries added or removed.

use crate::AdminState;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::org_edit::{Edit, current, edit_org};
use crate::org_views::{DirectoryView, json_value};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use mailflow_core::{directory_csv, org_check};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use utoipa::ToSchema;

/// What `POST /directory` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DirectoryAdded {
    pub added: Vec<String>,
    /// Listed already.
    pub unchanged: Vec<String>,
}

/// What `DELETE /directory` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DirectoryRemoved {
    pub removed: Vec<String>,
    /// Not listed.
    pub absent: Vec<String>,
}

/// What `POST /directory/import` did, line by line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DirectoryImport {
    pub added: usize,
    /// Lines whose address was listed already (or came twice).
    pub unchanged: usize,
    /// Lines that are not addresses, each with its number and why.
    pub refused: Vec<RefusedLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RefusedLine {
    /// 1-based.
    pub line: usize,
    /// The first column as written.
    pub text: String,
    pub reason: String,
}

#[utoipa::path(get, path = "/api/v1/directory", tag = "settings",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every entry, sorted", body = DirectoryView),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
) -> Result<Json<DirectoryView>, ApiError> {
    let org = current(&state, &in_org).await?;
    Ok(Json(DirectoryView {
        recipients: org.directory.recipients.iter().cloned().collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/directory", tag = "settings",
    request_body(content = Object, description = "One address (`\"alice@contoso.test\"`, or `\"*@contoso.test\"` for a whole domain) or a list of them"),
    params(("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Added, and in force for the next RCPT", body = DirectoryAdded),
        (status = 400, description = "Not an address; `field` names which (`addresses[1]`)", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn add(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<DirectoryAdded>, ApiError> {
    let addresses = addresses(&body)?;
    let (answer, _) = edit_org(&state, &in_org, &headers, |org| {
        let mut answer = DirectoryAdded::default();
        for address in addresses {
            if org.directory.recipients.insert(address.clone()) {
                answer.added.push(address);
            } else {
                answer.unchanged.push(address);
            }
        }
        let edit = (!answer.added.is_empty()).then(|| Edit {
            action: "directory-add",
            target: target(&answer.added),
            before: json!({"recipients": []}),
            after: json!({"recipients": answer.added}),
            scope: None,
        });
        Ok((edit, answer))
    })
    .await?;
    Ok(Json(answer))
}

#[utoipa::path(delete, path = "/api/v1/directory", tag = "settings",
    request_body(content = Object, description = "One address or a list of them"),
    params(("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed, and in force for the next RCPT", body = DirectoryRemoved),
        (status = 400, description = "Not an address; `field` names which", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn remove(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<DirectoryRemoved>, ApiError> {
    let addresses = addresses(&body)?;
    let (answer, _) = edit_org(&state, &in_org, &headers, |org| {
        let mut answer = DirectoryRemoved::default();
        for address in addresses {
            if org.directory.recipients.remove(&address) {
                answer.removed.push(address);
            } else {
                answer.absent.push(address);
            }
        }
        let edit = (!answer.removed.is_empty()).then(|| Edit {
            action: "directory-remove",
            target: target(&answer.removed),
            before: json!({"recipients": answer.removed}),
            after: json!({"recipients": []}),
            scope: None,
        });
        Ok((edit, answer))
    })
    .await?;
    Ok(Json(answer))
}

#[utoipa::path(post, path = "/api/v1/directory/import", tag = "settings",
    request_body(content = String, content_type = "text/csv", description = "One address per line, or a CSV export with the address in the first column; an optional header line; `#` comments"),
    params(("x-mailflow-actor" = Option<String>, Header, description = "Who acts, for the audit log")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The addresses of the good lines are added, in force for the next RCPT; the others are counted and named", body = DirectoryImport),
        (status = 400, description = "The body is not text", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 503, description = "The node is not running yet", body = crate::ErrorBody),
    ))]
pub(crate) async fn import(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<DirectoryImport>, ApiError> {
    let text = std::str::from_utf8(&body).map_err(|error| ApiError::Invalid {
        field: "body".into(),
        message: format!("the body is not UTF-8 text: {error}"),
    })?;
    let lines = directory_csv::lines(text);
    let (answer, _) = edit_org(&state, &in_org, &headers, |org| {
        let mut answer = DirectoryImport::default();
        let mut added = Vec::new();
        for line in lines {
            match line.entry {
                Ok(address) if org.directory.recipients.insert(address.clone()) => {
                    added.push(address);
                }
                Ok(_) => answer.unchanged += 1,
                Err(reason) => answer.refused.push(RefusedLine {
                    line: line.line,
                    text: line.text,
                    reason,
                }),
            }
        }
        answer.added = added.len();
        let edit = (!added.is_empty()).then(|| Edit {
            action: "directory-import",
            target: target(&added),
            before: json!({"recipients": []}),
            after: json!({"recipients": added}),
            scope: None,
        });
        Ok((edit, answer))
    })
    .await?;
    Ok(Json(answer))
}

/// The body's addresses, checked and lower-case: one JSON string or a list.
fn addresses(body: &[u8]) -> Result<Vec<String>, ApiError> {
    let shape = || ApiError::Invalid {
        field: "body".into(),
        message: "send one address as a JSON string, or a list of them".into(),
    };
    let (texts, single) = match json_value(body)? {
        serde_json::Value::String(text) => (vec![text], true),
        serde_json::Value::Array(items) => {
            let texts = items
                .into_iter()
                .map(|item| match item {
                    serde_json::Value::String(text) => Ok(text),
                    _ => Err(shape()),
                })
                .collect::<Result<Vec<_>, _>>()?;
            (texts, false)
        }
        _ => return Err(shape()),
    };
    if texts.is_empty() {
        return Err(ApiError::Invalid {
            field: "addresses".into(),
            message: "the list is empty; give at least one address".into(),
        });
    }
    texts
        .iter()
        .enumerate()
        .map(|(index, text)| {
            org_check::directory_address(text).map_err(|message| ApiError::Invalid {
                field: if single {
                    "address".into()
                } else {
                    format!("addresses[{index}]")
                },
                message,
            })
        })
        .collect()
}

/// The audit target: the address, or how many.
fn target(addresses: &[String]) -> String {
    match addresses {
        [one] => one.clone(),
        many => format!("{} addresses", many.len()),
    }
}
