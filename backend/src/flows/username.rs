//! Usernames: changing one's own (with the current password), and resetting a forgotten one
//! from an e-mailed link. A new username is NFKC-normalised before it is checked, as at
//! registration, so that `ａｄｍｉｎ` is `admin` (and taken) rather than its look-alike.

use crate::auth::reset_tokens::EmailedLink;
use crate::domain::audit::{Event, Kind};
use crate::domain::user::User;
use crate::domain::username::normalize;
use crate::email::EmailKind;
use crate::error::{ApiError, Submitted};
use crate::flows::links::{self, Purpose};
use crate::flows::{accept_username, check_current_password, check_retype, confirmation, Retyped};
use crate::messages;
use crate::state::AppState;
use crate::store::users::Effects;
use crate::store::users::WriteError;

/// The fields of `set_username`, in the serializer's order.
pub const CHANGE: &[&str] = &["current_password", "new_username", "re_new_username"];

/// `set_username` after DRF's checks; a field is `None` when it failed them.
pub struct UsernameChange {
    pub current_password: Option<String>,
    pub new_username: Option<String>,
    pub re_new_username: Retyped,
}

/// `set_username`: a new username, confirmed by the current password.
pub async fn change(state: &AppState, user: &User, mut submitted: Submitted<UsernameChange>) -> Result<(), ApiError> {
    let current_password = submitted.fields.current_password.take();
    check_current_password(state, user, &mut submitted, current_password).await?;
    let raw = submitted.fields.new_username.take().map(|name| normalize(&name));
    let new_username = accept_username(state, &mut submitted, "new_username", raw).await?;
    let UsernameChange { re_new_username, .. } = submitted.finish()?;
    let new_username = new_username.expect("a finished field stage has a username").into_string();
    check_retype(&re_new_username.map(|name| normalize(&name)), &new_username, messages::USERNAME_MISMATCH)?;

    let user = User { username: new_username, ..user.clone() };
    let emails = confirmation(state, EmailKind::UsernameChangedConfirmation, &user);
    let events = [Event::of(Kind::UsernameChanged, &user)];
    state
        .store
        .set_username(user.id, &user.username, Effects { emails: &emails, events: &events })
        .await
        .map_err(taken_or_unexpected)?;
    state.emails.wake();
    tracing::info!(user_id = user.id, "username changed");
    Ok(())
}

/// The fields of `reset_username_confirm`, in the serializer's order.
pub const RESET: &[&str] = &["uid", "token", "new_username", "re_new_username"];

/// `reset_username_confirm` after DRF's checks. As in Djoser, `uid` and `token` are not
/// reported as required fields.
pub struct UsernameReset {
    pub link: EmailedLink,
    pub new_username: Option<String>,
    pub re_new_username: Retyped,
}

/// `reset_username_confirm`: the new username for the link's account.
pub async fn reset(state: &AppState, mut submitted: Submitted<UsernameReset>) -> Result<(), ApiError> {
    let raw = submitted.fields.new_username.take().map(|name| normalize(&name));
    let new_username = accept_username(state, &mut submitted, "new_username", raw).await?;
    let UsernameReset { link, re_new_username, .. } = submitted.finish()?;
    let new_username = new_username.expect("a finished field stage has a username").into_string();
    check_retype(&re_new_username.map(|name| normalize(&name)), &new_username, messages::USERNAME_MISMATCH)?;
    let opened = links::open(state, &link).await?;
    let token = links::usable(state, &opened, Purpose::UsernameReset).await?;
    let user = opened.user;

    let last_login = links::next_login_time(user.last_login);
    let seen_last_login = user.last_login;
    let user = User { username: new_username, ..user };
    let emails = confirmation(state, EmailKind::UsernameChangedConfirmation, &user);
    let events = [Event::of(Kind::UsernameReset, &user)];
    let applied = state
        .store
        .reset_username(
            user.id,
            &user.username,
            seen_last_login,
            last_login,
            Effects { emails: &emails, events: &events },
            &token,
        )
        .await
        .map_err(taken_or_unexpected)?;
    if !applied {
        // Another request used the same link first.
        return Err(ApiError::field("token", messages::INVALID_TOKEN));
    }
    state.emails.wake();
    tracing::info!(user_id = user.id, "username reset");
    Ok(())
}

/// A username taken between the check and the write is the field's error.
fn taken_or_unexpected(error: WriteError) -> ApiError {
    match error {
        WriteError::UsernameTaken => ApiError::field("new_username", messages::USERNAME_TAKEN),
        WriteError::Unexpected(error) => error.into(),
    }
}
