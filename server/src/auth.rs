//! Bearer-token authentication. Reads are public; writes need a token of scope `submit` or
//! `admin`.

use actix_web::HttpRequest;
use actix_web::http::header;
use podium_storage::tokens::{self, Token};

use crate::AppState;
use crate::error::ApiError;

/// The token presented with the request, if any.
pub async fn bearer(req: &HttpRequest, state: &AppState) -> Result<Option<Token>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let secret = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be \"Bearer <token>\"".into())
        })?;
    let token = state.db(move |c| tokens::authenticate(c, &secret)).await?;
    token
        .map(Some)
        .ok_or_else(|| ApiError::Unauthorized("unknown or revoked token".into()))
}

/// The request's token, which must allow writes.
pub async fn require_submit(req: &HttpRequest, state: &AppState) -> Result<Token, ApiError> {
    let token = bearer(req, state).await?.ok_or_else(|| {
        ApiError::Unauthorized("this endpoint needs a bearer token with scope submit".into())
    })?;
    if token.scope.can_submit() {
        Ok(token)
    } else {
        Err(ApiError::Forbidden(format!(
            "a token of scope {} cannot write; scope submit or admin is needed",
            token.scope.as_str()
        )))
    }
}
