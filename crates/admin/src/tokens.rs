//! Admin API tokens over the API: `POST /tokens` with `{"name", "scope"}`
//! makes one and shows it once (only its SHA-256 digest is kept),
//! `GET /tokens` lists them (name, scope, made when and by whom, last
//! used), `DELETE /tokens/{name}` revokes one. A `read` token may only
//! look (`GET`); an `admin` token may do everything.

use crate::AdminState;
use crate::TokenDigest;
use crate::audit_log;
use crate::caller::{OrgFilter, OrgScope, no_organisation, organisation_exists};
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
    /// The organisation the token is for; without it, every organisation
    /// (only a token of every organisation may make one). A token of one
    /// organisation makes tokens of its own.
    #[serde(default)]
    pub org: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedToken {
    pub name: String,
    pub scope: String,
    /// The organisation it is for; absent: every organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The token itself: shown this once, kept nowhere.
    pub token: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenView {
    pub name: String,
    pub scope: String,
    /// The organisation it is for; absent: every organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub last_used_at: Option<String>,
}

impl From<&AdminToken> for TokenView {
    fn from(token: &AdminToken) -> Self {
        TokenView {
            name: token.name.clone(),
            scope: token.scope.to_string(),
            org: token.org.clone(),
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
    OrgFilter(org): OrgFilter,
) -> Result<Json<TokenList>, ApiError> {
    let tokens = state.store.admin_tokens().await?;
    // A token of one organisation sees that organisation's tokens; a
    // token of every organisation sees them all (or one's, if it names it).
    let shown = |token: &&AdminToken| org.is_none() || token.org == org;
    Ok(Json(TokenList {
        tokens: tokens.iter().filter(shown).map(TokenView::from).collect(),
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
    in_org: OrgScope,
    headers: HeaderMap,
    Json(body): Json<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    check_name(&body.name)?;
    let org = token_org(&state, &in_org, body.org.clone()).await?;
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
        org: org.clone(),
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
    let view = json!({ "name": stored.name, "scope": scope.as_str(), "org": org });
    audit_log::record(
        &state,
        org.clone(),
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
        org,
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
    OrgFilter(org): OrgFilter,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    // A token of every organisation revokes one of its kind unless it
    // names an organisation; a token of one organisation, one of its own.
    let before = state
        .store
        .admin_tokens()
        .await?
        .into_iter()
        .find(|t| t.org == org && t.name == name);
    let Some(before) = before else {
        return Err(ApiError::NotFound {
            what: "token",
            id: name,
        });
    };
    if !state
        .store
        .revoke_admin_token(org.as_deref(), &name)
        .await?
    {
        return Err(ApiError::NotFound {
            what: "token",
            id: name,
        });
    }
    let view = json!({ "name": before.name, "scope": before.scope.as_str(), "org": org });
    audit_log::record(
        &state,
        org,
        actor(&headers),
        "token-revoke",
        &name,
        view,
        json!(null),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organisation a new token is for: `asked` (the body's `org`), which
/// a token of one organisation may only give as its own; none for a token
/// of every organisation, which only such a token may make.
async fn token_org(
    state: &AdminState,
    in_org: &OrgScope,
    asked: Option<String>,
) -> Result<Option<String>, ApiError> {
    match (in_org.all_organisations, asked) {
        (false, Some(asked)) if asked != in_org.name => Err(no_organisation(asked)),
        (false, _) => Ok(Some(in_org.name.clone())),
        (true, None) => Ok(None),
        (true, Some(asked)) => match organisation_exists(state, &asked).await? {
            true => Ok(Some(asked)),
            false => Err(no_organisation(asked)),
        },
    }
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
