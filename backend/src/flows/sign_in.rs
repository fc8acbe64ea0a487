//! Signing in and staying signed in: SimpleJWT's token pair, the refresh token's lifecycle
//! (checked, spent once, rotated, and a reuse taken for a theft), verification, signing out,
//! and the user behind an access token.
//!
//! The tokens of one login form a session (`flows/sessions.rs`, the `sid` claim): the session
//! holds the one refresh token of its chain that may still be used and the one before it, so
//! reusing a rotated token ends the session, and a session ended anywhere refuses its tokens.
//! A refresh token without a session id (minted by SimpleJWT, or before sessions were
//! recorded) is checked against the blacklist, where each spent one is recorded with the
//! token that replaced it; its first refresh starts a session that continues it.

use secrecy::SecretString;
use serde_json::Value;

use crate::auth::jwt::{Claims, Pair, TokenType};
use crate::auth::password::Verification;
use crate::clock;
use crate::domain::audit::{Actor, Event, Kind};
use crate::domain::user::User;
use crate::error::ApiError;
use crate::flows::audit;
use crate::flows::second_step::{self, SecondStep};
use crate::flows::sessions::{self, Client};
use crate::messages;
use crate::pycompat;
use crate::state::AppState;
use crate::store::blacklist::RefreshRecord;
use crate::store::sessions::{Continuation, EndReason, NewSession, SessionRow};
use crate::store::simplejwt::Outstanding;
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

/// What a correct password gives: tokens, or (for an account with a second factor) the
/// second step to take (`flows/mfa.rs`).
pub enum SignInOutcome {
    SignedIn(SignedIn),
    SecondStep(SecondStep),
}

/// The reason classes of a failed sign-in in the trail: the password (or the name) was wrong,
/// the account is not active, or the second step failed.
pub const FAILED_CREDENTIALS: &str = "bad_credentials";
pub const FAILED_INACTIVE: &str = "inactive";
pub const FAILED_SECOND_FACTOR: &str = "second_factor";

/// `jwt/create/`: a token pair for the user whose credentials these are. Only failed
/// attempts count against a username, so an attacker cannot use up the owner's successful
/// ones.
pub async fn sign_in(state: &AppState, credentials: Credentials, client: &Client) -> Result<SignInOutcome, ApiError> {
    let Credentials { username, password } = credentials;
    let attempt = state.throttle.attempt(Scope::LoginUsername, &username).await?;
    let user = state.store.find_user_by_username(&username).await?;
    let stored = user.as_ref().map(|user| user.password.clone());
    let verification = state.passwords.verify(stored, password).await?;
    if !verification.is_match() {
        let event = match &user {
            Some(user) => Event::of(Kind::SignInFailed, user),
            None => Event::unknown_account(Kind::SignInFailed),
        };
        state.store.record_events(&[event.detail(FAILED_CREDENTIALS)]).await?;
        return Err(ApiError::no_active_account());
    }
    let user = user.expect("a password matched a user's hash");
    state.throttle.refund(attempt).await?;
    // A refused sign-in changes nothing: a new hash would also end the links Django sent.
    if !user.is_active {
        state.store.record_events(&[Event::of(Kind::SignInFailed, &user).detail(FAILED_INACTIVE)]).await?;
        return Err(ApiError::no_active_account());
    }
    if let Verification::Match { rehashed: Some(hash) } = &verification {
        state.store.set_password(user.id, hash).await?;
    }
    if state.store.has_factor(user.id).await? {
        return Ok(SignInOutcome::SecondStep(second_step::challenge(state, user.id).await?));
    }
    Ok(SignInOutcome::SignedIn(signed_in(state, user, client, sessions::BY_PASSWORD).await?))
}

/// The end of a sign-in: SimpleJWT's `UPDATE_LAST_LOGIN`, and a new session.
pub(crate) async fn signed_in(
    state: &AppState,
    user: User,
    client: &Client,
    method: &str,
) -> Result<SignedIn, ApiError> {
    if state.features().update_last_login {
        state.store.set_last_login(user.id, clock::now_micros()).await?;
    }
    let tokens = sessions::start(state, user.id, client, method).await?;
    state.store.record_events(&[Event::of(Kind::SignedIn, &user).detail(method)]).await?;
    tracing::info!(user_id = user.id, method, "signed in");
    Ok(SignedIn { tokens, user })
}

/// A refreshed session: a new access token and, with rotation, the refresh token to use next.
pub struct Refreshed {
    pub access: String,
    pub refresh: Option<String>,
}

/// `jwt/refresh/`: a new access token and, with rotation, a new refresh token; the presented
/// one is spent.
pub async fn refresh(state: &AppState, token: &str, client: &Client) -> Result<Refreshed, ApiError> {
    let checked = valid_refresh_token(state, token, true).await?;
    let claims = &checked.claims;
    if claims.user_id().is_some_and(pycompat::is_truthy) {
        let user = match claims.user_id().and_then(user_id_of) {
            Some(id) => state.store.find_user(id).await?,
            None => None,
        };
        if !user.is_some_and(|user| user.is_active) {
            return Err(ApiError::no_active_account_for_token());
        }
    }
    match checked.session {
        Some(session) => continue_session(state, claims, &session, client).await,
        None => refresh_without_session(state, claims, client).await,
    }
}

/// A refresh in a session: counted in the session's window, and with rotation the session
/// moves on to the new token in the same statement, so that of concurrent refreshes with one
/// token exactly one succeeds.
async fn continue_session(
    state: &AppState,
    claims: &Claims,
    session: &SessionRow,
    client: &Client,
) -> Result<Refreshed, ApiError> {
    let features = state.features();
    let now_micros = clock::now_micros();
    let now = now_micros / 1_000_000;
    let access = state.jwt.access_from(claims, now);
    let rotated = features.rotate_refresh_tokens.then(|| state.jwt.rotate(claims, now));
    let rate = state.throttle.refresh_rate();
    let continued = state
        .store
        .continue_session(Continuation {
            id: &session.id,
            presented_jti: claims.jti().expect("checked tokens have a jti"),
            require_live_token: rotated_tokens_are_spent(state),
            next: rotated.as_ref().map(|(_, jti, expires_at)| (jti.as_str(), *expires_at)),
            now_micros,
            ip: &client.ip,
            limit: rate.limit,
            period: rate.period,
        })
        .await?;
    if !continued {
        // The session ended, another refresh spent the token first, or the window is full.
        return match state.store.find_session(&session.id).await? {
            Some(row)
                if row.ended_at.is_none() && row.window_start > now - rate.period && row.window_hits >= rate.limit =>
            {
                Err(ApiError::Throttled((row.window_start + rate.period - now).max(1)))
            }
            _ => Err(ApiError::token_not_valid(messages::TOKEN_BLACKLISTED)),
        };
    }
    if let Some((token, jti, expires_at)) = &rotated {
        let presented = claims.jti().expect("checked tokens have a jti");
        let user_id = session.user_id;
        shared_rotation(
            state,
            presented,
            Outstanding { jti, token, created_micros: now_micros, expires_at: *expires_at, user_id },
        )
        .await?;
    }
    Ok(Refreshed { access, refresh: rotated.map(|(token, _, _)| token) })
}

/// A rotation, told to SimpleJWT's tables when they are shared: the presented token is
/// blacklisted (with blacklisting after rotation) and its successor outstanding, as
/// SimpleJWT's own refresh writes them.
async fn shared_rotation(state: &AppState, presented: &str, successor: Outstanding<'_>) -> Result<(), ApiError> {
    if rotated_tokens_are_spent(state) {
        state.store.blacklist_for_simplejwt(presented, successor.created_micros).await?;
    }
    state.store.outstand(successor).await?;
    Ok(())
}

/// A refresh with a token that has no session: counted per user, refused when what ends every
/// session happened after it was given out, and with rotation the token is blacklisted and a
/// session started that continues it, so that its chain has a session from now on.
async fn refresh_without_session(state: &AppState, claims: &Claims, client: &Client) -> Result<Refreshed, ApiError> {
    let features = state.features();
    let record = record_of(claims);
    let subject = match record.user_id {
        Some(user_id) => format!("user:{user_id}"),
        None => format!("token:{}", record.jti),
    };
    state.throttle.hit(Scope::RefreshUser, &subject).await?;
    if let Some(user_id) = record.user_id {
        if sessions::earlier_tokens_ended(state, user_id, claims.iat()).await? {
            return Err(ApiError::token_not_valid(messages::TOKEN_BLACKLISTED));
        }
    }
    let now_micros = clock::now_micros();
    let now = now_micros / 1_000_000;
    let (Some(user_id), true) = (record.user_id, features.rotate_refresh_tokens) else {
        return Ok(Refreshed { access: state.jwt.access_from(claims, now), refresh: None });
    };
    let sid = crate::auth::random::uuid4_hex();
    let claims = claims.clone().in_session(&sid);
    let access = state.jwt.access_from(&claims, now);
    let (refresh, jti, expires_at) = state.jwt.rotate(&claims, now);
    if features.blacklist_after_rotation {
        let successor = RefreshRecord { jti: &jti, user_id: record.user_id, expires_at };
        if let Err(error) = spend(state, record, Some(successor)).await {
            revoke_if_reused(state, record.jti, record.user_id).await?;
            return Err(error);
        }
    }
    state
        .store
        .start_session(NewSession {
            id: &sid,
            user_id,
            now_micros,
            expires_at,
            ip: &client.ip,
            user_agent: &client.user_agent,
            method: sessions::BY_EARLIER_TOKEN,
            refresh_jti: &jti,
            origin_jti: Some(record.jti),
        })
        .await?;
    let successor = Outstanding { jti: &jti, token: &refresh, created_micros: now_micros, expires_at, user_id };
    state.store.outstand(successor).await?;
    Ok(Refreshed { access, refresh: Some(refresh) })
}

/// `jwt/verify/`: whether a token of any type is valid (and, with blacklisting on, not
/// blacklisted); a token of an ended session is reported blacklisted.
pub async fn verify(state: &AppState, token: &str) -> Result<(), ApiError> {
    let claims = state.jwt.decode(token.as_bytes(), clock::now_fractional()).map_err(ApiError::token_not_valid)?;
    claims.check(None).map_err(ApiError::token_not_valid)?;
    if claims.is_of_type(TokenType::Access) {
        // Access tokens are never blacklisted one by one: only their session can end.
        if claims.sid().is_some_and(|sid| sessions::has_ended(state, sid)) {
            return Err(ApiError::non_field(messages::TOKEN_BLACKLISTED));
        }
        return Ok(());
    }
    if let Some(sid) = claims.sid().filter(|_| claims.is_of_type(TokenType::Refresh)) {
        let session = state.store.find_session(sid).await?;
        let live = match &session {
            _ if is_live_token(state, &claims, session.as_ref()) => true,
            Some(row) => continued_by_django(state, &claims, row).await?,
            None => false,
        };
        if !live {
            return Err(ApiError::non_field(messages::TOKEN_BLACKLISTED));
        }
    } else if state.features().blacklist_after_rotation {
        if let Some(jti) = claims.jti() {
            if state.store.is_blacklisted(jti).await? {
                return Err(ApiError::non_field(messages::TOKEN_BLACKLISTED));
            }
        }
    }
    if state.features().blacklist_after_rotation && claims.is_of_type(TokenType::Refresh) {
        if let Some(jti) = claims.jti() {
            if state.store.blacklisted_by_simplejwt(jti).await? {
                return Err(ApiError::non_field(messages::TOKEN_BLACKLISTED));
            }
        }
    }
    Ok(())
}

/// `jwt/blacklist/`: signs a refresh token out, ending its session.
pub async fn sign_out(state: &AppState, token: &str) -> Result<(), ApiError> {
    let checked = valid_refresh_token(state, token, false).await?;
    let Some(session) = checked.session else {
        return spend(state, record_of(&checked.claims), None).await;
    };
    if session.ended_at.is_some() {
        // Its account was closed, which ended it: signing out has nothing left to do.
        return Ok(());
    }
    if !sessions::end(state, session.user_id, &session.id, EndReason::SignedOut).await? {
        // Ended meanwhile by another request.
        return Err(ApiError::token_not_valid(messages::TOKEN_BLACKLISTED));
    }
    audit::record_for(state, Kind::SignedOut, session.user_id, "", Actor::Owner).await
}

/// Who an access token authenticates: the user, and the session the token belongs to (none
/// for a token minted without one).
pub struct Bearer {
    pub user: User,
    pub session: Option<String>,
}

/// SimpleJWT's `JWTAuthentication` after the header: the active user an access token names,
/// or the 401 SimpleJWT answers; then a token of an ended session is refused as blacklisted
/// (the set of ended sessions is in memory: no database read).
pub async fn bearer_of_access_token(state: &AppState, token: &[u8]) -> Result<Bearer, ApiError> {
    let claims = state.jwt.decode(token, clock::now_fractional()).map_err(ApiError::AccessTokenNotValid)?;
    claims.check(Some(TokenType::Access)).map_err(ApiError::AccessTokenNotValid)?;
    let user_id = claims.user_id().ok_or_else(ApiError::no_user_identification)?;
    let user_id = user_id_of(user_id).ok_or_else(ApiError::user_not_found)?;
    let user = state.store.find_user(user_id).await?.ok_or_else(ApiError::user_not_found)?;
    if !user.is_active {
        return Err(ApiError::user_inactive());
    }
    if claims.sid().is_some_and(|sid| sessions::has_ended(state, sid)) {
        return Err(ApiError::AccessTokenNotValid(messages::TOKEN_BLACKLISTED));
    }
    Ok(Bearer { user, session: claims.sid().map(str::to_owned) })
}

/// A `user_id` claim as an id: SimpleJWT ≥ 5.5.1 writes a string, older versions a number.
fn user_id_of(claim: &Value) -> Option<i64> {
    match claim {
        Value::String(_) | Value::Number(_) => pycompat::int_of(claim),
        _ => None,
    }
}

/// Whether a rotated refresh token may no longer be used (SimpleJWT's rotation with
/// blacklisting after it): only a session's live token refreshes.
fn rotated_tokens_are_spent(state: &AppState) -> bool {
    let features = state.features();
    features.rotate_refresh_tokens && features.blacklist_after_rotation
}

/// A checked refresh token, with its session (none for a token minted without one).
struct CheckedRefresh {
    claims: Claims,
    session: Option<SessionRow>,
}

/// Whether a refresh token of a session counts as not blacklisted: the session was not revoked
/// and, with blacklisting after rotation, the token is its live one. A session ended by its
/// account closing is not revoked: while the account is closed, its tokens get SimpleJWT's
/// answers for an inactive or deleted user, and once it is open again, a refresh finds the
/// session ended.
fn is_live_token(state: &AppState, claims: &Claims, session: Option<&SessionRow>) -> bool {
    let must_be_live = rotated_tokens_are_spent(state);
    session.is_some_and(|session| {
        !session.is_revoked()
            && Some(session.user_id) == claims.user_id().and_then(user_id_of)
            && (!must_be_live || claims.jti() == Some(session.refresh_jti.as_str()))
    })
}

/// A refresh token checked as SimpleJWT's `RefreshToken(...)` does: signature and times, the
/// blacklist (for a token of a session: whether the session is live and the token its live
/// one), then `exp`, `jti` and the type. With `detect_reuse`, a spent token is also treated as
/// a possible theft.
async fn valid_refresh_token(state: &AppState, token: &str, detect_reuse: bool) -> Result<CheckedRefresh, ApiError> {
    let claims = state.jwt.decode(token.as_bytes(), clock::now_fractional()).map_err(ApiError::token_not_valid)?;
    let Some(jti) = claims.jti() else { return Err(ApiError::token_not_valid(messages::TOKEN_NO_ID)) };
    // Only a refresh token's session is looked at: any other token is refused for its type
    // below, as SimpleJWT refuses it.
    let session = match claims.sid().filter(|_| claims.is_of_type(TokenType::Refresh)) {
        Some(sid) => {
            let mut session = state.store.find_session(sid).await?;
            if !is_live_token(state, &claims, session.as_ref()) {
                match session.as_ref() {
                    Some(row) if continued_by_django(state, &claims, row).await? => {
                        state.store.adopt_session_token(&row.id, &row.refresh_jti, jti, clock::now_seconds()).await?;
                        session = state.store.find_session(sid).await?;
                    }
                    _ => {
                        if let (true, Some(session)) = (detect_reuse, &session) {
                            end_if_reused(state, session, jti).await?;
                        }
                        return Err(ApiError::token_not_valid(messages::TOKEN_BLACKLISTED));
                    }
                }
            }
            if state.store.blacklisted_by_simplejwt(jti).await? {
                // Spent on the Django server: signed out there, or rotated there, in which case
                // the session goes on with the successor (`continued_by_django`).
                return Err(ApiError::token_not_valid(messages::TOKEN_BLACKLISTED));
            }
            session
        }
        None => {
            if state.store.is_blacklisted(jti).await? {
                if detect_reuse {
                    revoke_if_reused(state, jti, claims.user_id().and_then(user_id_of)).await?;
                }
                return Err(ApiError::token_not_valid(messages::TOKEN_BLACKLISTED));
            }
            if state.store.blacklisted_by_simplejwt(jti).await? {
                return Err(ApiError::token_not_valid(messages::TOKEN_BLACKLISTED));
            }
            None
        }
    };
    claims.check(Some(TokenType::Refresh)).map_err(ApiError::token_not_valid)?;
    Ok(CheckedRefresh { claims, session })
}

/// Whether a refresh token of `session` that is not its live one was given out by the Django
/// server beside Gatehouse (SimpleJWT's tables shared), rotating the session's live token
/// there: SimpleJWT blacklisted the live one and recorded this one as outstanding, and has
/// not blacklisted it. The session then continues with it.
async fn continued_by_django(state: &AppState, claims: &Claims, session: &SessionRow) -> Result<bool, ApiError> {
    let store = &state.store;
    let Some(jti) = claims.jti() else { return Ok(false) };
    Ok(store.shares_simplejwt_blacklist()
        && !session.is_revoked()
        && Some(session.user_id) == claims.user_id().and_then(user_id_of)
        && jti != session.refresh_jti
        && store.blacklisted_by_simplejwt(&session.refresh_jti).await?
        && store.outstanding_for_simplejwt(jti).await?
        && !store.blacklisted_by_simplejwt(jti).await?)
}

/// A spent refresh token of a live session presented again: unless it is the one rotated
/// within the grace period (two tabs refreshing at once), the session is taken for stolen and
/// ended, the thief's tokens and the owner's alike, and the owner signs in again.
async fn end_if_reused(state: &AppState, session: &SessionRow, jti: &str) -> Result<(), ApiError> {
    let features = state.features();
    if !features.refresh_reuse_detection || session.ended_at.is_some() {
        return Ok(());
    }
    let now = clock::now_seconds();
    let just_rotated = session.previous_jti.as_deref() == Some(jti)
        && session.rotated_at.is_some_and(|at| now - at < features.refresh_reuse_grace);
    if !just_rotated && sessions::end(state, session.user_id, &session.id, EndReason::Reuse).await? {
        tracing::warn!(user_id = session.user_id, "a rotated refresh token was reused; its session is ended");
        audit::record_for(state, Kind::TokenReused, session.user_id, "", Actor::Owner).await?;
    }
    Ok(())
}

/// A rotated refresh token presented again is a sign that it was stolen: unless it was
/// rotated within the grace period (two tabs refreshing at once), every token descended from
/// it is revoked, the thief's and the owner's alike, and the owner signs in again.
async fn revoke_if_reused(state: &AppState, jti: &str, user_id: Option<i64>) -> Result<(), ApiError> {
    let features = state.features();
    if !features.refresh_reuse_detection {
        return Ok(());
    }
    let now = clock::now_seconds();
    let Some(spent_at) = state.store.blacklisted_at(jti).await? else { return Ok(()) };
    if now - spent_at >= features.refresh_reuse_grace {
        let revoked = state.store.revoke_descendants_of(jti, now).await?;
        let ended = state.store.end_sessions_continuing(jti, now).await?;
        if revoked > 0 || !ended.is_empty() {
            tracing::warn!(
                revoked,
                sessions = ended.len(),
                "a rotated refresh token was reused; its family is revoked"
            );
            if let Some(user_id) = user_id {
                audit::record_for(state, Kind::TokenReused, user_id, "", Actor::Owner).await?;
            }
        }
        state.store.blacklist_sessions_for_simplejwt(&ended, clock::now_micros()).await?;
        state.revocations.note(ended, now);
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
        state.store.blacklist_for_simplejwt(spent.jti, clock::now_micros()).await?;
        Ok(())
    } else {
        Err(ApiError::token_not_valid(messages::TOKEN_BLACKLISTED))
    }
}
