//! Admin API tokens over the API: `POST /tokens` with `{"name", "scope"}`
//! makes one and shows it once (only its SHA-256 digest is kept),
//! `GET /tokens` lists them (name, scope, made when and by whom, last
//! used), `DELETE /tokens/{name}` revokes one. A `read` token may only
//! look (`GET`); an `admin` token may do everything.

use crate::AdminState;
use crate::TokenDigest;
use crate::audit_log;
use crate::error::ApiError;
use crate::fixes::actor;
use crate::views::rfc3339;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use mailflow_store::{AdminToken, TokenScope};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use utoipa::ToSchema;

/// Longest token name taken.
const MAX_NAME: usize = 64;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewToken {
    /// Letters, digits, `-`, `_` and `.`; unique among the tokens.
    pub name: String,
    /// `admin` (the default) or `read`.
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedToken {
    pub name: String,
    pub scope: String,
    /// The token itself: shown this once, kept nowhere.
    pub token: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenView {
    pub name: String,
    pub scope: String,
    pub created_at: String,
    pub created_by: String,
    pub last_used_at: Option<String>,
}

impl From<&AdminToken> for TokenView {
    fn from(token: &AdminToken) -> Self {
        TokenView {
            name: token.name.clone(),
            scope: token.scope.to_string(),
            created_at: rfc3339(token.created_at),
            created_by: token.created_by.clone(),
            last_used_at: token.last_used_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<TokenView>,
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tokens made through the API or the CLI", body = TokenList),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<Arc<AdminState>>,
) -> Result<Json<TokenList>, ApiError> {
    let tokens = state.store.admin_tokens().await?;
    Ok(Json(TokenList {
        tokens: tokens.iter().map(TokenView::from).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens",
    security(("bearer" = [])),
    request_body = NewToken,
    responses(
        (status = 201, description = "The token, shown this once", body = CreatedToken),
        (status = 400, description = "A bad name or scope", body = crate::ErrorBody),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 409, description = "A token of that name exists", body = crate::ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<Arc<AdminState>>,
    headers: HeaderMap,
    Json(body): Json<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    check_name(&body.name)?;
    let scope = match body.scope.as_deref() {
        None => TokenScope::Admin,
        Some(text) => text.parse().map_err(|message| ApiError::BadField {
            field: "scope",
            message,
        })?,
    };
    let token = generate();
    let actor = actor(&headers);
    let stored = AdminToken {
        org: None,
        name: body.name.clone(),
        scope,
        digest: TokenDigest::of(&token).to_string(),
        created_at: state.clock.now(),
        created_by: actor.clone(),
        last_used_at: None,
    };
    if !state.store.create_admin_token(stored.clone()).await? {
        return Err(ApiError::Conflict {
            message: format!("a token named {:?} exists already", body.name),
            id: body.name,
        });
    }
    let view = json!({ "name": stored.name, "scope": scope.as_str() });
    audit_log::record(
        &state,
        None,
        actor,
        "token-create",
        &stored.name,
        json!(null),
        view,
    )
    .await?;
    let created = CreatedToken {
        name: stored.name,
        scope: scope.to_string(),
        token,
        created_at: rfc3339(stored.created_at),
    };
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{name}", tag = "tokens",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "The token's name")),
    responses(
        (status = 204, description = "The token no longer opens the API"),
        (status = 401, description = "Missing or unknown token", body = crate::ErrorBody),
        (status = 404, description = "No such token", body = crate::ErrorBody),
    ))]
pub(crate) async fn revoke(
    State(state): State<Arc<AdminState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let before = state
        .store
        .admin_tokens()
        .await?
        .into_iter()
        .find(|t| t.org.is_none() && t.name == name);
    let Some(before) = before else {
        return Err(ApiError::NotFound {
            what: "token",
            id: name,
        });
    };
    if !state.store.revoke_admin_token(None, &name).await? {
        return Err(ApiError::NotFound {
            what: "token",
            id: name,
        });
    }
    let view = json!({ "name": before.name, "scope": before.scope.as_str() });
    audit_log::record(
        &state,
        None,
        actor(&headers),
        "token-revoke",
        &name,
        view,
        json!(null),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn check_name(name: &str) -> Result<(), ApiError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let problem = if name.is_empty() {
        Some("the token name is empty".to_string())
    } else if name.len() > MAX_NAME {
        Some(format!(
            "the token name is longer than {MAX_NAME} characters"
        ))
    } else if !name.chars().all(allowed) {
        Some("a token name holds only letters, digits, '-', '_' and '.'".to_string())
    } else {
        None
    };
    match problem {
        Some(message) => Err(ApiError::BadField {
            field: "name",
            message,
        }),
        None => Ok(()),
    }
}

/// A new token: 32 random bytes in hexadecimal, prefixed so that a token
/// found in a log or a script is recognised for what it is.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("mft_{}", hex::encode(bytes))
}
