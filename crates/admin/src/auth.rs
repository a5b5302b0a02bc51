//! Bearer-token authentication for the API routes that need it. The API
//! holds only the SHA-256 digests of the tokens it accepts; a presented token
//! is hashed and its digest compared with each of the config's (or the
//! generated token's), which may do everything, then looked up among the
//! tokens made through the API, whose scope may limit them to reading.

use crate::AdminState;
use crate::TokenDigest;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::scraper_networks::FromScraperNetwork;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use mailflow_store::{AdminToken, TokenScope};
use std::sync::Arc;

/// The only paths answered without a token: exactly these, so that
/// `/api/v1/health/` or `/api/v1//health` ask for one like any other path.
/// The index (`/api/v1`) and the pointer to it (`/`) are open because they
/// say nothing the OpenAPI document does not: that the routes exist, not
/// what is behind them.
pub const PUBLIC_PATHS: [&str; 4] = ["/api/v1/health", "/api/v1/openapi.json", "/api/v1", "/"];

/// How precisely a stored token's last use is kept.
const LAST_USE_PRECISION: time::Duration = time::Duration::minutes(1);

/// Lets the request through only with `Authorization: Bearer <a known token>`,
/// to one of `PUBLIC_PATHS`, or to `/metrics` from a network it is open to
/// (see `scraper_networks`). It runs before routing: a request without a
/// token gets the same `401` whether its path exists or not.
pub(crate) async fn require_token(
    State(state): State<Arc<AdminState>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let scraper = request.extensions().get::<FromScraperNetwork>().is_some();
    if PUBLIC_PATHS.contains(&request.uri().path()) || scraper {
        return Ok(next.run(request).await);
    }
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| token.trim().to_string());
    let Some(presented) = presented else {
        return Err(ApiError::Unauthorized {
            reason: "missing bearer token",
        });
    };
    let mut request = request;
    if is_known_token(&state.token_digests, &presented) {
        request.extensions_mut().insert(Caller::everything());
    } else {
        let stored = state
            .store
            .admin_token_by_digest(&TokenDigest::of(&presented).to_string())
            .await?;
        let Some(stored) = stored else {
            return Err(ApiError::Unauthorized {
                reason: "unknown bearer token",
            });
        };
        if stored.scope == TokenScope::Read && !only_reads(request.method()) {
            return Err(ApiError::Forbidden {
                reason: "this token may only read (scope `read`); changes need an `admin` token",
            });
        }
        note_use(&state, &stored).await;
        request.extensions_mut().insert(Caller {
            org: stored.org.clone(),
        });
    }
    Ok(next.run(request).await)
}

/// Methods that change nothing.
fn only_reads(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
}

/// Records when a stored token was last used, at most once a minute per
/// token (a console polling the API must not turn every read into a write).
async fn note_use(state: &AdminState, token: &AdminToken) {
    let now = state.clock.now();
    let recent = token
        .last_used_at
        .is_some_and(|at| now - at < LAST_USE_PRECISION);
    if recent {
        return;
    }
    if let Err(error) = state
        .store
        .admin_token_used(token.org.as_deref(), &token.name, now)
        .await
    {
        tracing::warn!(%error, token = %token.name, "could not record the token's use");
    }
}

/// Hashes the presented token and checks its digest against every known
/// one, each in constant time, so the answer's timing says nothing about
/// which digest came close.
fn is_known_token(digests: &[TokenDigest], presented: &str) -> bool {
    let presented = TokenDigest::of(presented);
    digests
        .iter()
        .fold(false, |found, digest| found | digest.matches(&presented))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_identical_token_is_known() {
        let digests = vec![TokenDigest::of("s3cret-token"), TokenDigest::of("other")];
        assert!(is_known_token(&digests, "s3cret-token"));
        assert!(is_known_token(&digests, "other"));
        assert!(!is_known_token(&digests, "s3cret-toke"));
        assert!(!is_known_token(&digests, "s3cret-token-"));
        assert!(!is_known_token(&digests, "S3cret-token"));
        assert!(!is_known_token(&digests, ""));
        assert!(!is_known_token(&[], "anything"));
    }

    #[test]
    fn the_digest_itself_is_not_a_token() {
        let digests = vec![TokenDigest::of("s3cret-token")];
        assert!(!is_known_token(&digests, &digests[0].to_string()));
    }
}
