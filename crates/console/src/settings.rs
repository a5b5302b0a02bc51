//! Settings: the users who may log in over SMTP AUTH, and the admin API
//! tokens (a new token is shown once, on the page that made it).

use crate::api::{Sent, encode};
use crate::page::{PageBase, Section, render};
use crate::posted::{NoFields, Posted};
use crate::signed::Signed;
use askama::Template;
use axum::extract::Path;
use axum::http::Method;
use axum::response::Response;
use mailflow_admin::{CreatedToken, TokenList, UserList, UserSaved};
use serde::Deserialize;
use serde_json::json;

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    page: PageBase,
    users: UserList,
    tokens: TokenList,
    created: Option<CreatedToken>,
}

pub(crate) async fn show(signed: Signed) -> Result<Response, Response> {
    page(&signed, None).await
}

async fn page(signed: &Signed, created: Option<CreatedToken>) -> Result<Response, Response> {
    let users: UserList = signed
        .api
        .get("/api/v1/users")
        .await
        .map_err(|e| signed.failed(e))?;
    let tokens: TokenList = signed
        .api
        .get("/api/v1/tokens")
        .await
        .map_err(|e| signed.failed(e))?;
    Ok(render(&SettingsPage {
        page: signed.page(Section::Settings),
        users,
        tokens,
        created,
    }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct UserForm {
    name: String,
    password: String,
}

pub(crate) async fn save_user(posted: Posted<UserForm>) -> Response {
    let signed = &posted.signed;
    let path = format!("/api/v1/users/{}", encode(posted.form.name.trim()));
    let t = signed.page(Section::None).t;
    let done = signed
        .api
        .call::<UserSaved>(
            Method::PUT,
            &path,
            Sent::Json(json!({"password": posted.form.password})),
        )
        .await
        .map(|saved| format!("{}: {}", t.saved, saved.name));
    signed.done("/settings", done)
}

pub(crate) async fn remove_user(Path(name): Path<String>, posted: Posted<NoFields>) -> Response {
    let path = format!("/api/v1/users/{}", encode(&name));
    (posted.signed)
        .delete(&path, |t| t.removed, &name, "/settings")
        .await
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenForm {
    name: String,
    scope: String,
}

pub(crate) async fn create_token(posted: Posted<TokenForm>) -> Result<Response, Response> {
    let signed = &posted.signed;
    let body = json!({"name": posted.form.name.trim(), "scope": posted.form.scope});
    match signed
        .api
        .post::<CreatedToken>("/api/v1/tokens", Sent::Json(body))
        .await
    {
        Ok(created) => page(signed, Some(created)).await,
        Err(failure) => Ok(signed.done("/settings", Err(failure))),
    }
}

pub(crate) async fn revoke_token(Path(name): Path<String>, posted: Posted<NoFields>) -> Response {
    let path = format!("/api/v1/tokens/{}", encode(&name));
    (posted.signed)
        .delete(&path, |t| t.revoked, &name, "/settings")
        .await
}
