//! Bearer-token authentication for the API routes that need it.

use crate::AdminState;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// Lets the request through only with `Authorization: Bearer <a known token>`.
pub(crate) async fn require_token(
    State(state): State<Arc<AdminState>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(presented) = presented else {
        return Err(ApiError::Unauthorized {
            reason: "missing bearer token",
        });
    };
    if !is_known_token(&state.tokens, presented) {
        return Err(ApiError::Unauthorized {
            reason: "unknown bearer token",
        });
    }
    Ok(next.run(request).await)
}

/// Checks every token, each in constant time, so the answer's timing says
/// nothing about how much of a token was right.
fn is_known_token(tokens: &[String], presented: &str) -> bool {
    tokens.iter().fold(false, |found, token| {
        found | constant_time_eq(token.as_bytes(), presented.as_bytes())
    })
}

fn constant_time_eq(expected: &[u8], presented: &[u8]) -> bool {
    let mut difference = u8::from(expected.len() != presented.len());
    for (index, byte) in expected.iter().enumerate() {
        let other = presented.get(index).copied().unwrap_or(0);
        difference |= byte ^ other;
    }
    difference == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_identical_token_is_known() {
        let tokens = vec!["s3cret-token".to_string(), "other".to_string()];
        assert!(is_known_token(&tokens, "s3cret-token"));
        assert!(is_known_token(&tokens, "other"));
        assert!(!is_known_token(&tokens, "s3cret-toke"));
        assert!(!is_known_token(&tokens, "s3cret-token-"));
        assert!(!is_known_token(&tokens, "S3cret-token"));
        assert!(!is_known_token(&tokens, ""));
        assert!(!is_known_token(&[], "anything"));
    }
}
