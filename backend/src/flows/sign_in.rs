//! Signing in and staying signed in: SimpleJWT's token pair, the refresh token's lifecycle
//! (checked, spent once, rotated, and a reuse taken for a theft), verification, signing out,
//! and the user behind an access token.
//!
//! The tokens of one login form a chain: each spent refresh token is blacklisted with the
//! token that replaced it, so that reusing a rotated token can revoke what descends from it.

use secrecy::SecretString;
use serde_json::Value;

use crate::auth::jwt::{Claims, Pair, TokenType};
use crate::auth::password::Verification;
use crate::clock;
use crate::domain::user::User;
use crate::error::ApiError;
use crate::messages;
use crate::pycompat;
use crate::state::AppState;
use crate::store::blacklist::RefreshRecord;
use crate::throttle::Scope;

/// The fields of `jwt/create/`, in the serializer's order.
pub const CREDENTIALS: &[&str] = &["username", "password"];
/// The one field of `jwt/refresh/` and `jwt/blacklist/`.
pub const REFRESH: &[&str] = &["refresh"];
/// The one field of `jwt/verify/`.
pub const VERIFY: &[&str] = &["token"];

pub struct Credentials {
    pub username: String,
    pub password: SecretString,
}

/// A successful sign-in.
pub struct SignedIn {
    pub tokens: Pair,
    pub user: User,
}

/// `jwt/create/`: a token pair for the user whose credentials these are. Only failed
/// attempts count against a username, so an attacker cannot use up the owner's successful
/// ones.
pub async fn sign_in(state: &AppState, credentials: Credentials) -> Result<SignedIn, ApiError> {
    let Credentials { username, password } = credentials;
    let attempt = state.throttle.attempt(Scope::LoginUsername, &username).await?;
    let user = state.store.find_user_by_username(&username).await?;
    let stored = user.as_ref().map(|user| user.password.clone());
    let verification = state.passwords.verify(stored, password).await?;
    let Some(user) = user.filter(|_| verification.is_match()) else {
        return Err(ApiError::no_active_account());
    };
    state.throttle.refund(attempt).await?;
    if let Verification::Match { rehashed: Some(hash) } = &verification {
        state.store.set_password(user.id, hash).await?;
    }
    if !user.is_active {
        return Err(ApiError::no_active_account());
    }
    let tokens = state.jwt.issue_pair(user.id, clock::now_seconds());
    tracing::info!(user_id = user.id, "signed in");
    Ok(SignedIn { tokens, user })
}

/// A refreshed session: a new access token and, with rotation, the refresh token to use next.
pub struct Refreshed {
    pub access: String,
    pub refresh: Option<String>,
}

/// `jwt/refresh/`: a new access token and, with rotation, a new refresh token; the presented
/// one is spent.
pub async fn refresh(state: &AppState, token: &str) -> Result<Refreshed, ApiError> {
    let claims = valid_refresh_token(state, token, true).await?;
    if claims.user_id().is_some_and(pycompat::is_truthy) {
        let user = match claims.user_id().and_then(user_id_of) {
            Some(id) => state.store.find_user(id).await?,
            None => None,
        };
        if !user.is_some_and(|user| user.is_active) {
            return Err(ApiError::no_active_account_for_token());
        }
    }
    let features = state.features();
    let now = clock::now_seconds();
    let access = state.jwt.access_from(&claims, now);
    if !features.rotate_refresh_tokens {
        return Ok(Refreshed { access, refresh: None });
    }
    let (refresh, jti, expires_at) = state.jwt.rotate(&claims, now);
    if features.blacklist_after_rotation {
        let spent = record_of(&claims);
        let successor = RefreshRecord { jti: &jti, user_id: spent.user_id, expires_at };
        if let Err(error) = spend(state, spent, Some(successor)).await {
            revoke_if_reused(state, spent.jti).await?;
            return Err(error);
        }
    }
    Ok(Refreshed { access, refresh: Some(refresh) })
}

/// `jwt/verify/`: whether a token of any type is valid (and, with blacklisting on, not
/// blacklisted).
pub async fn verify(state: &AppState, token: &str) -> Result<(), ApiError> {
    let claims = state.jwt.decode(token.as_bytes(), clock::now_fractional()).map_err(ApiError::token_not_valid)?;
    claims.check(None).map_err(ApiError::token_not_valid)?;
    // Only refresh tokens are ever blacklisted, so an access token needs no lookup.
    if state.features().blacklist_after_rotation && !claims.is_of_type(TokenType::Access) {
        if let Some(jti) = claims.jti() {
            if state.store.is_blacklisted(jti).await? {
                return Err(ApiError::non_field(messages::TOKEN_BLACKLISTED));
            }
        }
    }
    Ok(())
}

/// `jwt/blacklist/`: signs a refresh token out.
pub async fn sign_out(state: &AppState, token: &str) -> Result<(), ApiError> {
    let claims = valid_refresh_token(state, token, false).await?;
    spend(state, record_of(&claims), None).await
}

/// SimpleJWT's `JWTAuthentication` after the header: the active user an access token names,
/// or the 401 SimpleJWT answers.
pub async fn user_of_access_token(state: &AppState, token: &[u8]) -> Result<User, ApiError> {
    let claims = state.jwt.decode(token, clock::now_fractional()).map_err(ApiError::AccessTokenNotValid)?;
    claims.check(Some(TokenType::Access)).map_err(ApiError::AccessTokenNotValid)?;
    let user_id = claims.user_id().ok_or_else(ApiError::no_user_identification)?;
    let user_id = user_id_of(user_id).ok_or_else(ApiError::user_not_found)?;
    let user = state.store.find_user(user_id).await?.ok_or_else(ApiError::user_not_found)?;
    if !user.is_active {
        return Err(ApiError::user_inactive());
    }
    Ok(user)
}

/// A `user_id` claim as an id: SimpleJWT ≥ 5.5.1 writes a string, older versions a number.
fn user_id_of(claim: &Value) -> Option<i64> {
    match claim {
        Value::String(_) | Value::Number(_) => pycompat::int_of(claim),
        _ => None,
    }
}

/// A refresh token checked as SimpleJWT's `RefreshToken(...)` does: signature and times, the
/// blacklist, then `exp`, `jti` and the type. With `detect_reuse`, a blacklisted token is
/// also treated as a possible theft.
async fn valid_refresh_token(state: &AppState, token: &str, detect_reuse: bool) -> Result<Claims, ApiError> {
    let claims = state.jwt.decode(token.as_bytes(), clock::now_fractional()).map_err(ApiError::token_not_valid)?;
    let Some(jti) = claims.jti() else { return Err(ApiError::token_not_valid(messages::TOKEN_NO_ID)) };
    if state.store.is_blacklisted(jti).await? {
        if detect_reuse {
            revoke_if_reused(state, jti).await?;
        }
        return Err(ApiError::token_not_valid(messages::TOKEN_BLACKLISTED));
    }
    claims.check(Some(TokenType::Refresh)).map_err(ApiError::token_not_valid)?;
    Ok(claims)
}

/// A rotated refresh token presented again is a sign that it was stolen: unless it was
/// rotated within the grace period (two tabs refreshing at once), every token descended from
/// it is revoked, the thief's and the owner's alike, and the owner signs in again.
async fn revoke_if_reused(state: &AppState, jti: &str) -> Result<(), ApiError> {
    let features = state.features();
    if !features.refresh_reuse_detection {
        return Ok(());
    }
    let now = clock::now_seconds();
    let Some(spent_at) = state.store.blacklisted_at(jti).await? else { return Ok(()) };
    if now - spent_at >= features.refresh_reuse_grace {
        let revoked = state.store.revoke_descendants_of(jti, now).await?;
        if revoked > 0 {
            tracing::warn!(revoked, "a rotated refresh token was reused; its family is revoked");
        }
    }
    Ok(())
}

/// The record of a checked refresh token.
fn record_of(claims: &Claims) -> RefreshRecord<'_> {
    RefreshRecord {
        jti: claims.jti().expect("checked tokens have a jti"),
        user_id: claims.user_id().and_then(user_id_of),
        expires_at: claims.exp().unwrap_or_default(),
    }
}

/// Blacklists a checked refresh token and records its successor; losing a race to another
/// request counts as already blacklisted, so one token is only ever spent once.
async fn spend(
    state: &AppState,
    spent: RefreshRecord<'_>,
    successor: Option<RefreshRecord<'_>>,
) -> Result<(), ApiError> {
    if state.store.spend_refresh_token(spent, successor, clock::now_seconds()).await? {
        Ok(())
    } else {
        Err(ApiError::token_not_valid(messages::TOKEN_BLACKLISTED))
    }
}
