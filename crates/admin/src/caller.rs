//! Who is asking, and for which organisation. `auth` records the caller of
//! every request that passed it: a token for one organisation or for all
//! of them (the config's tokens, the generated one, and stored tokens made
//! without an organisation). `OrgScope` is the organisation a request acts
//! on: an organisation token's own; for an all-organisations token the one
//! it names with `?org=` or the `x-mailflow-org` header, else the node's
//! own, so that a one-organisation setup never has to name one.
//!
//! An organisation token that names another organisation gets the same
//! `404` as a name that does not exist: nothing says the other is there.

use crate::AdminState;
use crate::error::ApiError;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use std::collections::HashMap;
use std::sync::Arc;

/// The header an all-organisations caller names an organisation with (as
/// `?org=` does).
pub const ORG_HEADER: &str = "x-mailflow-org";

/// The caller of a request that passed `auth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The organisation a token is for; `None`: every organisation.
    pub org: Option<String>,
}

impl Caller {
    /// The config's tokens, the generated token, and the scrapers' networks.
    pub fn everything() -> Caller {
        Caller { org: None }
    }

    pub fn of_all_organisations(&self) -> bool {
        self.org.is_none()
    }
}

/// The organisation a request acts on (see the module's comment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgScope {
    pub name: String,
    /// The caller may act on every organisation.
    pub all_organisations: bool,
}

impl FromRequestParts<Arc<AdminState>> for OrgScope {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AdminState>,
    ) -> Result<OrgScope, ApiError> {
        let caller = caller(parts);
        let named = named_org(parts);
        match (caller.org, named) {
            (Some(own), Some(named)) if named != own => Err(no_organisation(named)),
            (Some(own), _) => Ok(OrgScope {
                name: own,
                all_organisations: false,
            }),
            (None, Some(named)) => {
                if !organisation_exists(state, &named).await? {
                    return Err(no_organisation(named));
                }
                Ok(OrgScope {
                    name: named,
                    all_organisations: true,
                })
            }
            (None, None) => Ok(OrgScope {
                name: state.org()?,
                all_organisations: true,
            }),
        }
    }
}

/// The organisation a list of the cluster's records (the audit log, the
/// tokens) is narrowed to: an organisation token's own; for a token of
/// every organisation the one it names, or none — every organisation's
/// and the cluster's own.
pub struct OrgFilter(pub Option<String>);

impl FromRequestParts<Arc<AdminState>> for OrgFilter {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AdminState>,
    ) -> Result<OrgFilter, ApiError> {
        match (caller(parts).org, named_org(parts)) {
            (Some(own), Some(named)) if named != own => Err(no_organisation(named)),
            (Some(own), _) => Ok(OrgFilter(Some(own))),
            (None, None) => Ok(OrgFilter(None)),
            (None, Some(named)) => match organisation_exists(state, &named).await? {
                true => Ok(OrgFilter(Some(named))),
                false => Err(no_organisation(named)),
            },
        }
    }
}

/// Only a caller of every organisation may go on (organisations
/// themselves, nodes); any other gets the `404` a missing path would.
pub struct AllOrganisations;

impl FromRequestParts<Arc<AdminState>> for AllOrganisations {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &Arc<AdminState>,
    ) -> Result<AllOrganisations, ApiError> {
        // The path as the client sent it, as the router's own `404` names
        // it: in the nested `/api/v1` router `parts.uri` has lost its prefix.
        let path = match parts.extensions.get::<axum::extract::OriginalUri>() {
            Some(original) => original.path().to_string(),
            None => parts.uri.path().to_string(),
        };
        match caller(parts).of_all_organisations() {
            true => Ok(AllOrganisations),
            false => Err(ApiError::NoSuchEndpoint { path }),
        }
    }
}

fn caller(parts: &Parts) -> Caller {
    parts
        .extensions
        .get::<Caller>()
        .cloned()
        .unwrap_or_else(Caller::everything)
}

/// `?org=` or the header, the query first.
fn named_org(parts: &Parts) -> Option<String> {
    let from_query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|Query(mut pairs)| pairs.remove("org"));
    let from_header = || {
        parts
            .headers
            .get(ORG_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    };
    from_query
        .or_else(from_header)
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
}

pub(crate) async fn organisation_exists(state: &AdminState, name: &str) -> Result<bool, ApiError> {
    if state
        .node
        .get()
        .is_some_and(|node| node.org_of(name).is_some())
    {
        return Ok(true);
    }
    let known = state.store.org_names().await?;
    Ok(known.iter().any(|known| known == name) || state.org().is_ok_and(|own| own == name))
}

pub(crate) fn no_organisation(name: String) -> ApiError {
    ApiError::NotFound {
        what: "organisation",
        id: name,
    }
}
