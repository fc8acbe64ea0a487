//! Registration and activation: a new account, inactive until its e-mailed link is opened
//! when activation e-mails are on.

use crate::auth::reset_tokens::EmailedLink;
use crate::clock;
use crate::domain::audit::{Event, Kind};
use crate::domain::email;
use crate::domain::password_policy::UserAttributes;
use crate::domain::user::User;
use crate::email::EmailKind;
use crate::error::{ApiError, Submitted};
use crate::flows::links::{self, Purpose};
use crate::flows::{accept_new_password, accept_username, check_retype, confirmation, Retyped};
use crate::messages;
use crate::state::AppState;
use crate::store::users::Effects;
use crate::store::users::{NewUser, WriteError};
use crate::throttle::Scope;

/// The fields of `POST users/`, in the serializer's order.
pub const REGISTRATION: &[&str] = &["first_name", "last_name", "username", "email", "password", "re_password"];

/// `POST users/` after DRF's checks. `username` is `None` when it already failed them.
pub struct Registration {
    pub first_name: String,
    pub last_name: String,
    pub username: Option<String>,
    /// A valid address, or blank.
    pub email: String,
    pub password: String,
    pub re_password: Retyped,
}

/// Registration. Field errors come all together; only then the password validators, then the
/// retype check.
pub async fn register(state: &AppState, mut submitted: Submitted<Registration>) -> Result<User, ApiError> {
    let raw_username = submitted.fields.username.take();
    let username = accept_username(state, &mut submitted, "username", raw_username).await?;
    let Registration { first_name, last_name, email, password, re_password, .. } = submitted.finish()?;
    let username = username.expect("a finished field stage has a username");

    let attributes =
        UserAttributes { username: username.as_str(), first_name: &first_name, last_name: &last_name, email: &email };
    let new_password = accept_new_password(state, "password", &password, Some(&attributes))?;
    check_retype(&re_password, &password, messages::PASSWORD_MISMATCH)?;
    if !email.is_empty() {
        state.throttle.hit(Scope::EmailRecipient, &email).await?;
    }

    let features = state.features();
    let password_hash = state.passwords.hash(new_password.into_secret()).await?;
    let username = username.normalized();
    let email = email::normalize(&email);
    let new = NewUser {
        username: &username,
        email: &email,
        first_name: &first_name,
        last_name: &last_name,
        password_hash: &password_hash,
        is_active: !features.send_activation_email,
        is_staff: false,
        is_superuser: false,
        date_joined: clock::now_micros(),
    };
    let welcome = if features.send_activation_email {
        Some(EmailKind::Activation)
    } else if features.send_confirmation_email {
        Some(EmailKind::Confirmation)
    } else {
        None
    };
    let compose = |user: &User| {
        (welcome.and_then(|kind| state.emails.compose(kind, user)), vec![Event::of(Kind::Registered, user)])
    };
    let user = match state.store.insert_user(&new, compose).await {
        Ok(user) => user,
        Err(WriteError::UsernameTaken) => return Err(ApiError::Bare(messages::CANNOT_CREATE_USER)),
        Err(WriteError::Unexpected(error)) => return Err(error.into()),
    };
    tracing::info!(user_id = user.id, "account created");
    state.emails.wake();
    Ok(user)
}

/// The fields of `users/activation/`.
pub const ACTIVATION: &[&str] = &["uid", "token"];

/// `users/activation/`: the account of an activation link becomes active; a second use of the
/// link is "Stale token for given user."
pub async fn activate(state: &AppState, link: EmailedLink) -> Result<(), ApiError> {
    let opened = links::open(state, &link).await?;
    if opened.user.is_active {
        return Err(ApiError::stale_token());
    }
    let token = links::usable(state, &opened, Purpose::Activation).await?;
    let user = User { is_active: true, ..opened.user };
    let emails = confirmation(state, EmailKind::Confirmation, &user);
    let events = [Event::of(Kind::Activated, &user).detail("link")];
    if !state.store.activate(user.id, Effects { emails: &emails, events: &events }, &token).await? {
        // Another request used the same link first.
        return Err(ApiError::stale_token());
    }
    state.emails.wake();
    tracing::info!(user_id = user.id, "account activated");
    Ok(())
}
