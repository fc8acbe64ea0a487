//! SimpleJWT's `JWTAuthentication`: who a request comes from. It runs before any permission
//! check, on every API endpoint but the token endpoints, so a bad `Authorization` header is a
//! 401 even where no authentication is needed.

use actix_web::http::header;
use actix_web::HttpRequest;
use serde_json::Value;

use crate::auth::jwt::TokenType;
use crate::clock;
use crate::domain::user::User;
use crate::error::ApiError;
use crate::messages;
use crate::pycompat;
use crate::state::AppState;

/// Python's `bytes.split()` separators.
fn is_separator(byte: &u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// The raw token of an `Authorization` header: `Ok(None)` when the header is absent, empty or
/// of another scheme (the request is then anonymous).
pub fn bearer_token<'a>(header_value: Option<&'a [u8]>, schemes: &[String]) -> Result<Option<&'a [u8]>, ApiError> {
    let Some(value) = header_value else {
        return Ok(None);
    };
    let parts: Vec<&[u8]> = value.split(is_separator).filter(|part| !part.is_empty()).collect();
    let Some(first) = parts.first() else {
        return Ok(None);
    };
    if !schemes.iter().any(|scheme| scheme.as_bytes() == *first) {
        return Ok(None);
    }
    if parts.len() != 2 {
        return Err(ApiError::bad_authorization_header());
    }
    Ok(Some(parts[1]))
}

/// The user making the request, `None` if anonymous, or the 401 SimpleJWT would answer.
pub async fn authenticate(request: &HttpRequest, state: &AppState) -> Result<Option<User>, ApiError> {
    let header_value = request.headers().get(header::AUTHORIZATION).map(|value| value.as_bytes());
    let Some(token) = bearer_token(header_value, &state.features().auth_header_types)? else {
        return Ok(None);
    };
    let claims = state.jwt.decode(token, clock::now_fractional()).map_err(ApiError::AccessTokenNotValid)?;
    claims.check(Some(TokenType::Access)).map_err(ApiError::AccessTokenNotValid)?;
    let Some(user_id) = claims.user_id() else {
        return Err(ApiError::Detail {
            status: actix_web::http::StatusCode::UNAUTHORIZED,
            detail: messages::NO_USER_IDENTIFICATION.into(),
            code: Some("token_not_valid"),
        });
    };
    let Some(user_id) = user_id_of(user_id) else {
        return Err(ApiError::user_not_found());
    };
    let Some(user) = state.store.find_user(user_id).await? else {
        return Err(ApiError::user_not_found());
    };
    if !user.is_active {
        return Err(ApiError::user_inactive());
    }
    Ok(Some(user))
}

/// A `user_id` claim as an id: SimpleJWT ≥ 5.5.1 writes a string, older versions a number.
pub fn user_id_of(claim: &Value) -> Option<i64> {
    match claim {
        Value::String(_) | Value::Number(_) => pycompat::int_of(claim),
        _ => None,
    }
}

/// The authenticated user, or 401 for an anonymous request.
pub async fn require_user(request: &HttpRequest, state: &AppState) -> Result<User, ApiError> {
    authenticate(request, state).await?.ok_or_else(ApiError::not_authenticated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemes() -> Vec<String> {
        vec!["Bearer".into(), "JWT".into()]
    }

    #[test]
    fn header_parsing_follows_simplejwt() {
        let parse = |value: &'static str| bearer_token(Some(value.as_bytes()), &schemes());
        assert_eq!(parse("Bearer abc").unwrap(), Some(&b"abc"[..]));
        assert_eq!(parse("  JWT\tabc  ").unwrap(), Some(&b"abc"[..]));
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("bearer abc").unwrap(), None);
        assert_eq!(parse("Basic abc").unwrap(), None);
        assert!(parse("Bearer").is_err());
        assert!(parse("Bearer a b").is_err());
        assert_eq!(bearer_token(None, &schemes()).unwrap(), None);
    }
}
