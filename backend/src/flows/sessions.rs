//! Sessions: one per sign-in, continued by each refresh, listed to their owner (and staff) and
//! ended by signing out, from a session list, by a password change, or when a rotated refresh
//! token is used again. Ending one here is known to this instance at once and to every other
//! instance within a second or two (`revocation.rs`), so that its access tokens stop working
//! too.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::auth::jwt::Pair;
use crate::auth::random;
use crate::clock;
use crate::domain::audit::Kind;
use crate::domain::device;
use crate::domain::user::User;
use crate::error::ApiError;
use crate::flows::audit;
use crate::flows::staff::{self, Action};
use crate::pycompat;
use crate::state::AppState;
use crate::store::audit::EventsSought;
use crate::store::sessions::{EndReason, NewSession, SessionRow};
use crate::store::simplejwt::Outstanding;

/// Adding a lasting way into the account (an authenticator app, a passkey, a provider link)
/// asks for a session signed in at most `PRIVILEGED_SESSION_MAX_AGE` seconds ago, as Ory
/// Kratos's privileged sessions do, so that a stolen access token or a computer left signed in
/// cannot add one that outlives a password reset. A token without a session (from Django, or
/// from before sessions) tells no sign-in time and is refused the same way.
pub async fn check_recent_sign_in(state: &AppState, user_id: i64, session: Option<&str>) -> Result<(), ApiError> {
    let Some(id) = session else { return Err(ApiError::sign_in_again()) };
    let now = clock::now_micros();
    let max_age = state.features().privileged_session_max_age.saturating_mul(1_000_000);
    match state.store.find_session(id).await? {
        Some(row) if row.is_live_for(user_id, now / 1_000_000) && now - row.created_at <= max_age => Ok(()),
        _ => Err(ApiError::sign_in_again()),
    }
}

/// The field of `sessions/revoke/`.
pub const REVOKE: &[&str] = &["scope"];
/// What `sessions/revoke/` may end: every other session, or every one.
pub const SCOPES: &[&str] = &[SCOPE_OTHERS, SCOPE_ALL];
pub const SCOPE_OTHERS: &str = "others";
pub const SCOPE_ALL: &str = "all";
/// The detail of the `email.changed` event of an e-mail change taken back, which ends every
/// session.
pub const EMAIL_REVERTED: &str = "reverted";

/// How a session was signed in to.
pub const BY_PASSWORD: &str = "password";
/// A session that continues a refresh token issued without one (by Django, or before
/// sessions were recorded).
pub const BY_EARLIER_TOKEN: &str = "refresh_token";
/// A password and an authenticator app's code, or a recovery code.
pub const BY_PASSWORD_AND_CODE: &str = "password+totp";
pub const BY_PASSWORD_AND_RECOVERY_CODE: &str = "password+recovery_code";
/// A password and a passkey, or a passkey alone (which verified its user: a second factor in
/// itself).
pub const BY_PASSWORD_AND_PASSKEY: &str = "password+passkey";
pub const BY_PASSKEY: &str = "passkey";
/// An identity provider, named after the prefix (`provider:google`).
pub const BY_PROVIDER_PREFIX: &str = "provider:";

/// RFC 8176's `amr` of a sign-in `method`: recorded in the tokens of a sign-in with a second
/// factor (a password alone records nothing, as SimpleJWT's tokens do not).
fn amr_of(method: &str) -> Option<serde_json::Value> {
    match method {
        BY_PASSWORD_AND_CODE | BY_PASSWORD_AND_RECOVERY_CODE => Some(serde_json::json!(["pwd", "otp"])),
        // Proof of possession of a key; the authenticator verified its user (PIN or biometric).
        BY_PASSWORD_AND_PASSKEY => Some(serde_json::json!(["pwd", "pop"])),
        BY_PASSKEY => Some(serde_json::json!(["pop", "mfa"])),
        _ => None,
    }
}

/// Where a request comes from, as a session records it.
pub use crate::domain::audit::Origin as Client;

/// Starts a session for `user_id`: its first token pair, recorded.
pub async fn start(state: &AppState, user_id: i64, client: &Client, method: &str) -> Result<Pair, ApiError> {
    let id = random::uuid4_hex();
    let now_micros = clock::now_micros();
    let now = now_micros / 1_000_000;
    let tokens = state.jwt.issue_pair_with(user_id, now, &id, amr_of(method).as_ref());
    state
        .store
        .start_session(NewSession {
            id: &id,
            user_id,
            now_micros,
            expires_at: tokens.refresh_expires_at,
            ip: &client.ip,
            user_agent: &client.user_agent,
            method,
            refresh_jti: &tokens.refresh_jti,
            origin_jti: None,
        })
        .await?;
    state
        .store
        .outstand(Outstanding {
            jti: &tokens.refresh_jti,
            token: &tokens.refresh,
            created_micros: now_micros,
            expires_at: tokens.refresh_expires_at,
            user_id,
        })
        .await?;
    Ok(tokens)
}

/// A session as its owner sees it.
#[derive(Debug, Serialize)]
pub struct SessionView {
    pub id: String,
    pub created: String,
    pub last_used: String,
    pub ip: String,
    pub user_agent: String,
    /// The browser and system the user agent names ("Firefox on Linux").
    pub device: String,
    /// How it was signed in to.
    pub method: String,
    /// Whether the request's own token belongs to it.
    pub current: bool,
}

/// The fields of a session in the answer, in order.
pub const FIELDS: &[&str] = &["id", "created", "last_used", "ip", "user_agent", "device", "method", "current"];

/// RFC 3339 in UTC, to the second, of a time in microseconds.
pub(crate) fn timestamp(micros: i64) -> String {
    OffsetDateTime::from_unix_timestamp(micros.div_euclid(1_000_000))
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_default()
}

impl SessionView {
    fn of(row: SessionRow, current: Option<&str>) -> Self {
        Self {
            current: current == Some(row.id.as_str()),
            created: timestamp(row.created_at),
            last_used: timestamp(row.last_used_at),
            device: device::describe(&row.user_agent),
            id: row.id,
            ip: row.ip,
            user_agent: row.user_agent,
            method: row.method,
        }
    }
}

/// What a request does with the sessions it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    See,
    End,
}

/// Whose sessions a request may see and end: the viewer's own (`id` is `None`, or the viewer's
/// id) or, for staff, those of the user `id`. Anyone else's, and unknown users, are
/// "Not found."; ending a staff account's sessions takes a superuser, as in the console
/// ([`staff::check_may`]).
pub async fn owner(state: &AppState, viewer: &User, id: Option<&str>, access: Access) -> Result<i64, ApiError> {
    let Some(id) = id else { return Ok(viewer.id) };
    let user = match pycompat::parse_int(id) {
        Some(id) if id == viewer.id => return Ok(id),
        Some(id) if viewer.is_staff => state.store.find_user(id).await?,
        _ => None,
    };
    let Some(user) = user else { return Err(ApiError::not_found()) };
    if access == Access::End {
        staff::check_may(viewer, &user, Action::EndSessions)?;
    }
    Ok(user.id)
}

/// How many sessions the list shows: an account signed in by a script on every run can hold
/// thousands, and "end the others" ends them all anyway.
pub const LISTED_AT_MOST: i64 = 100;

/// `user_id`'s newest [`LISTED_AT_MOST`] live sessions, newest first; `current` is the
/// requester's own, added last when it is older than those.
pub async fn list(state: &AppState, user_id: i64, current: Option<&str>) -> Result<Vec<SessionView>, ApiError> {
    let now = clock::now_seconds();
    let mut rows = state.store.live_sessions(user_id, now, LISTED_AT_MOST).await?;
    if let Some(current) = current.filter(|current| rows.iter().all(|row| row.id != *current)) {
        let own = state.store.find_session(current).await?;
        rows.extend(own.filter(|row| row.is_live_for(user_id, now)));
    }
    Ok(rows.into_iter().map(|row| SessionView::of(row, current)).collect())
}

/// Ends the live session `id` of `user_id`, here and (within a poll) on every instance;
/// `false` when it has no live session of that id.
pub async fn end(state: &AppState, user_id: i64, id: &str, reason: EndReason) -> Result<bool, ApiError> {
    let now = clock::now_seconds();
    if !state.store.end_session(user_id, id, now, reason).await? {
        return Ok(false);
    }
    state.revocations.note([id.to_owned()], now);
    state.store.blacklist_sessions_for_simplejwt(&[id.to_owned()], clock::now_micros()).await?;
    tracing::info!(user_id, reason = reason.as_str(), "session ended");
    Ok(true)
}

/// Ends one of `user_id`'s live sessions for `requester`: "Not found." for any other id.
pub async fn end_one(state: &AppState, requester: &User, user_id: i64, id: &str) -> Result<(), ApiError> {
    if !end(state, user_id, id, EndReason::Revoked).await? {
        return Err(ApiError::not_found());
    }
    audit::record_for(state, Kind::SessionEnded, user_id, "one", audit::actor_of(requester, user_id)).await
}

/// Ends every live session of `user_id` but `except`.
pub async fn end_all(state: &AppState, user_id: i64, except: Option<&str>, reason: EndReason) -> Result<(), ApiError> {
    let now = clock::now_seconds();
    let ended = state.store.end_sessions(user_id, except, now, reason).await?;
    if !ended.is_empty() {
        tracing::info!(user_id, ended = ended.len(), reason = reason.as_str(), "sessions ended");
        state.store.blacklist_sessions_for_simplejwt(&ended, clock::now_micros()).await?;
    }
    // A closed account's tokens are refused first by the user check every request makes; they
    // are noted too, so that opening the account again does not bring its old tokens back.
    state.revocations.note(ended, now);
    Ok(())
}

/// `sessions/revoke/` for `requester`: `scope` is one of [`SCOPES`]; "others" spares the
/// requester's own session (when the list is the requester's).
pub async fn revoke(
    state: &AppState,
    requester: &User,
    user_id: i64,
    scope: &str,
    current: Option<&str>,
) -> Result<(), ApiError> {
    let except = if scope == SCOPE_OTHERS { current } else { None };
    end_all(state, user_id, except, EndReason::Revoked).await?;
    audit::record_for(state, Kind::SessionEnded, user_id, scope, audit::actor_of(requester, user_id)).await
}

/// After a password change (`current` is the session that made it, kept) or reset (none
/// kept), as `GATEHOUSE_REVOKE_SESSIONS_ON_PASSWORD_CHANGE` asks.
pub async fn after_password_change(state: &AppState, user_id: i64, current: Option<&str>) -> Result<(), ApiError> {
    if !state.features().revoke_sessions_on_password_change {
        return Ok(());
    }
    end_all(state, user_id, current, EndReason::PasswordChanged).await
}

/// Whether the refresh tokens without a session that `user_id` was given at `issued_at` (Unix
/// seconds; `None`, before SimpleJWT wrote it, counts as long ago) were ended since by what ends
/// every session: a password change or reset (as `GATEHOUSE_REVOKE_SESSIONS_ON_PASSWORD_CHANGE`
/// asks), a deactivation, signing out everywhere, or an e-mail change taken back. Such tokens
/// (the Django server's, or from before Gatehouse) are in no session's row: the audit trail
/// says when these happened.
pub async fn earlier_tokens_ended(state: &AppState, user_id: i64, issued_at: Option<i64>) -> Result<bool, ApiError> {
    let password = state.features().revoke_sessions_on_password_change;
    let (changed, reset) = match password {
        true => (Kind::PasswordChanged.name(), Kind::PasswordReset.name()),
        false => ("", ""),
    };
    let ended = Kind::SessionEnded.name();
    let sought = EventsSought {
        kinds: [Kind::Deactivated.name(), changed, reset],
        with_detail: [(ended, SCOPE_ALL), (ended, SCOPE_OTHERS), (Kind::EmailChanged.name(), EMAIL_REVERTED)],
    };
    let since = issued_at.unwrap_or_default().saturating_mul(1_000_000);
    Ok(state.store.has_event_since(user_id, since, &sought).await?)
}

/// Whether the session an access token names has ended.
pub fn has_ended(state: &AppState, sid: &str) -> bool {
    state.revocations.is_ended(sid)
}
