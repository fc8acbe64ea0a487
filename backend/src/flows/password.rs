//! Passwords: changing one's own (with the current password), and resetting a forgotten one
//! from an e-mailed link.

use crate::auth::reset_tokens::EmailedLink;
use crate::domain::audit::{Event, Kind};
use crate::domain::user::User;
use crate::email::EmailKind;
use crate::error::{ApiError, Submitted};
use crate::flows::links::{self, Purpose};
use crate::flows::Retyped;
use crate::flows::{accept_new_password, attributes_of, check_current_password, check_retype, confirmation};
use crate::flows::{api_tokens, sessions};
use crate::messages;
use crate::state::AppState;
use crate::store::users::Effects;

/// The fields of `set_password`, in the serializer's order.
pub const CHANGE: &[&str] = &["new_password", "re_new_password", "current_password"];

/// `set_password` after DRF's checks; `current_password` is `None` when it failed them.
pub struct PasswordChange {
    pub new_password: String,
    pub re_new_password: Retyped,
    pub current_password: Option<String>,
}

/// `set_password`: a new password, confirmed by the current one. The user's other sessions
/// end; `session` is the one that asked, which goes on.
pub async fn change(
    state: &AppState,
    user: &User,
    session: Option<&str>,
    mut submitted: Submitted<PasswordChange>,
) -> Result<(), ApiError> {
    let current_password = submitted.fields.current_password.take();
    check_current_password(state, user, &mut submitted, current_password).await?;
    let PasswordChange { new_password, re_new_password, .. } = submitted.finish()?;
    let password = accept_new_password(state, "new_password", &new_password, Some(&attributes_of(user)))?;
    check_retype(&re_new_password, &new_password, messages::PASSWORD_MISMATCH)?;
    let hash = state.passwords.hash_replacing(password.into_secret(), &user.password).await?;
    let emails = confirmation(state, EmailKind::PasswordChangedConfirmation, user);
    let events = [Event::of(Kind::PasswordChanged, user)];
    state.store.change_password(user.id, &hash, Effects { emails: &emails, events: &events }).await?;
    state.emails.wake();
    tracing::info!(user_id = user.id, "password changed");
    sessions::after_password_change(state, user.id, session).await?;
    if state.features().logout_on_password_change {
        api_tokens::log_out(state, user).await?;
    }
    Ok(())
}

/// The fields of `reset_password_confirm`, in the serializer's order.
pub const RESET: &[&str] = &["uid", "token", "new_password", "re_new_password"];

/// `reset_password_confirm`'s fields.
pub struct PasswordReset {
    pub link: EmailedLink,
    pub new_password: String,
    pub re_new_password: Retyped,
}

/// `reset_password_confirm`: the new password for the link's account. The password validators
/// run before the link is looked at, and compare the password with the requesting user, as
/// Django's do (an anonymous request has nothing to compare with).
pub async fn reset(state: &AppState, requester: Option<&User>, reset: PasswordReset) -> Result<(), ApiError> {
    let PasswordReset { link, new_password, re_new_password } = reset;
    let password = accept_new_password(state, "new_password", &new_password, requester.map(attributes_of).as_ref())?;
    check_retype(&re_new_password, &new_password, messages::PASSWORD_MISMATCH)?;
    let opened = links::open(state, &link).await?;
    let token = links::usable(state, &opened, Purpose::PasswordReset).await?;
    let user = opened.user;

    let hash = state.passwords.hash_replacing(password.into_secret(), &user.password).await?;
    let last_login = links::next_login_time(user.last_login);
    let emails = confirmation(state, EmailKind::PasswordChangedConfirmation, &user);
    let events = [Event::of(Kind::PasswordReset, &user)];
    if !state
        .store
        .reset_password(
            user.id,
            &user.password,
            &hash,
            last_login,
            Effects { emails: &emails, events: &events },
            &token,
        )
        .await?
    {
        // Another request used the same link first.
        return Err(ApiError::field("token", messages::INVALID_TOKEN));
    }
    state.emails.wake();
    tracing::info!(user_id = user.id, "password reset");
    sessions::after_password_change(state, user.id, None).await?;
    // A reset may mean the account was taken: the DRF token goes with the sessions.
    if state.features().revoke_sessions_on_password_change {
        api_tokens::log_out(state, &user).await?;
    }
    Ok(())
}
