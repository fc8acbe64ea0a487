//! DRF's token authentication as Djoser mounts it: `token/login/` gives a user's one key
//! (created on first use), `token/logout/` deletes it, and `Authorization: Token <key>`
//! authenticates like an access token. A key is not a session: it lives until it is deleted
//! (by logout, by closing the account, or by a password change with
//! `LOGOUT_ON_PASSWORD_CHANGE`; a password reset also deletes it while
//! `REVOKE_SESSIONS_ON_PASSWORD_CHANGE` is on).

use secrecy::SecretString;

use crate::clock;
use crate::domain::audit::{Event, Kind};
use crate::domain::user::User;
use crate::error::ApiError;
use crate::flows::sign_in::{FAILED_CREDENTIALS, FAILED_INACTIVE, FAILED_SECOND_FACTOR};
use crate::messages;
use crate::state::AppState;
use crate::throttle::Scope;

/// The fields of `token/login/`, in the serializer's order (its `password` field is declared
/// first; the login field is added after it).
pub const CREDENTIALS: &[&str] = &["password", "username"];

/// A new key: 20 random bytes as 40 lowercase hex digits, as DRF's `Token.generate_key`.
fn new_key() -> String {
    crate::auth::random::hex(20)
}

/// How the trail names a sign-in for DRF's API token.
const TOKEN_METHOD: &str = "token";

/// `token/login/`: the active user's key for a username and password; any failure, missing
/// fields included, is Djoser's one "Unable to log in" answer. Djoser's `user_logged_in`
/// signal sets `last_login`, as here. Failed attempts count against the username.
pub async fn log_in(state: &AppState, username: Option<String>, password: Option<String>) -> Result<String, ApiError> {
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::non_field(messages::UNABLE_TO_LOG_IN));
    };
    let attempt = state.throttle.attempt(Scope::LoginUsername, &username).await?;
    let user = state.store.find_user_by_username(&username).await?;
    let stored = user.as_ref().map(|user| user.password.clone());
    let verification = state.passwords.verify(stored, SecretString::from(password)).await?;
    let failed = |event: Event, reason: &str| {
        let event = event.detail(format!("{TOKEN_METHOD}:{reason}"));
        async move {
            state.store.record_events(&[event]).await?;
            Err(ApiError::non_field(messages::UNABLE_TO_LOG_IN))
        }
    };
    let user = match user {
        Some(user) if verification.is_match() => user,
        Some(user) => return failed(Event::of(Kind::SignInFailed, &user), FAILED_CREDENTIALS).await,
        None => return failed(Event::unknown_account(Kind::SignInFailed), FAILED_CREDENTIALS).await,
    };
    state.throttle.refund(attempt).await?;
    if !user.is_active {
        return failed(Event::of(Kind::SignInFailed, &user), FAILED_INACTIVE).await;
    }
    // A password alone never opens an account that has a second factor.
    if state.store.has_factor(user.id).await? {
        tracing::info!(user_id = user.id, "token login refused: the account has a second factor");
        return failed(Event::of(Kind::SignInFailed, &user), FAILED_SECOND_FACTOR).await;
    }
    if let crate::auth::password::Verification::Match { rehashed: Some(hash) } = &verification {
        state.store.set_password(user.id, hash).await?;
    }
    let key = state.store.sign_in_with_drf_token(user.id, &new_key(), clock::now_micros()).await?;
    state.store.record_events(&[Event::of(Kind::SignedIn, &user).detail(TOKEN_METHOD)]).await?;
    tracing::info!(user_id = user.id, "signed in for an API token");
    Ok(key)
}

/// `token/logout/`: deletes the user's key, whichever way the request was authenticated.
pub async fn log_out(state: &AppState, user: &User) -> Result<(), ApiError> {
    if state.store.delete_drf_tokens(user.id).await? {
        state.store.record_events(&[Event::of(Kind::SignedOut, user).detail(TOKEN_METHOD)]).await?;
        tracing::info!(user_id = user.id, "API token deleted");
    }
    Ok(())
}

/// DRF's `TokenAuthentication.authenticate_credentials`: the active user of a key.
pub async fn user_of_key(state: &AppState, key: &[u8]) -> Result<User, ApiError> {
    // DRF decodes the key as UTF-8 before looking it up.
    let key = std::str::from_utf8(key)
        .map_err(|_| ApiError::authentication_failed(messages::TOKEN_HEADER_INVALID_CHARACTERS))?;
    let user = match state.store.user_of_drf_token(key).await? {
        Some(user_id) => state.store.find_user(user_id).await?,
        None => return Err(ApiError::authentication_failed(messages::INVALID_API_TOKEN)),
    };
    match user {
        Some(user) if user.is_active => Ok(user),
        _ => Err(ApiError::authentication_failed(messages::API_TOKEN_USER_INACTIVE)),
    }
}
