//! SMTP AUTH users over the API: `GET /users`, `PUT /users/{name}` with
//! `{"password": "…"}` (adds the user or sets a new password; only an
//! Argon2 hash is kept) and `DELETE /users/{name}`. Each change is in the
//! audit log, without the password or its hash.

use crate::AdminState;
use crate::audit_log;
use crate::caller::OrgScope;
use crate::error::ApiError;
use crate::fixes::actor;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    /// The users who may log in with SMTP AUTH, by name.
    pub users: Vec<UserView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SetPassword {
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserSaved {
    pub name: String,
    /// True when the user is new, false when its password was replaced.
    pub created: bool,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The users who may log in with SMTP AUTH", body = UserList),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
) -> Result<Json<UserList>, ApiError> {
    let names = state.store.submission_users(&in_org.name).await?;
    let users = names.into_iter().map(|name| UserView { name }).collect();
    Ok(Json(UserList { users }))
}

#[utoipa::path(put, path = "/api/v1/users/{name}", tag = "users",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "The user name")),
    request_body = SetPassword,
    responses(
        (status = 200, description = "The user is saved with its new password", body = UserSaved),
        (status = 400, description = "A bad name or an empty password", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
    ))]
pub(crate) async fn save(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
    headers: HeaderMap,
    Json(body): Json<SetPassword>,
) -> Result<Json<UserSaved>, ApiError> {
    if let Some(problem) = mailflow_receive::user_name_problem(&name) {
        return Err(ApiError::BadField {
            field: "name",
            message: problem.to_string(),
        });
    }
    if body.password.is_empty() {
        return Err(ApiError::BadField {
            field: "password",
            message: "the password is empty".to_string(),
        });
    }
    let org = in_org.name.clone();
    let existed = state
        .store
        .submission_user_hash(&org, &name)
        .await?
        .is_some();
    // Argon2 takes a while on purpose: not on the runtime's threads.
    let password = body.password;
    let hash = tokio::task::spawn_blocking(move || mailflow_receive::hash_password(&password))
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    state.store.save_submission_user(&org, &name, &hash).await?;
    let action = if existed { "user-password" } else { "user-add" };
    audit(&state, &headers, action, &name, existed, true).await?;
    Ok(Json(UserSaved {
        name,
        created: !existed,
    }))
}

#[utoipa::path(delete, path = "/api/v1/users/{name}", tag = "users",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "The user name")),
    responses(
        (status = 204, description = "The user is removed"),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such user", body = crate::ErrorBody),
    ))]
pub(crate) async fn remove(
    State(state): State<Arc<AdminState>>,
    in_org: OrgScope,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let org = in_org.name.clone();
    if !state.store.remove_submission_user(&org, &name).await? {
        return Err(ApiError::NotFound {
            what: "user",
            id: name,
        });
    }
    audit(&state, &headers, "user-remove", &name, true, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The user's existence before and after: the password stays out of the log.
async fn audit(
    state: &AdminState,
    headers: &HeaderMap,
    action: &str,
    name: &str,
    before: bool,
    after: bool,
) -> Result<(), ApiError> {
    let state_of = |exists| json!({ "user": name, "exists": exists });
    let actor = actor(headers);
    audit_log::record(
        state,
        Some(state.org()?),
        actor,
        action,
        name,
        state_of(before),
        state_of(after),
    )
    .await?;
    Ok(())
}
