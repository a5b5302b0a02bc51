//! The organisation switch: a reader whose token is for every organisation
//! chooses which one the pages show (the API is then asked with
//! `x-mailflow-org`). A token of one organisation has no switch: its pages
//! show its own.

use crate::posted::Posted;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct Chosen {
    org: String,
    /// The page to go back to.
    next: Option<String>,
}

pub(crate) async fn choose(posted: Posted<Chosen>) -> Response {
    let Posted { signed, form } = posted;
    // Only one of those the token may list: a name it cannot see changes
    // nothing.
    if signed.orgs.contains(&form.org) {
        signed.choose_org(form.org);
    }
    Redirect::to(&crate::login::local(form.next.as_deref())).into_response()
}
