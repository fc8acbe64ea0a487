//! The account flows: what each request does once its fields are parsed. A handler in
//! `routes/` reads the request with DRF's field semantics and calls one flow here; the flow
//! applies the rules (`domain/`), checks credentials (`auth/`), stores the change with the
//! e-mails it causes (`store/`, `email/`) and returns a typed outcome or the one
//! [`ApiError`].
//!
//! Flows whose field stage needs storage (a username's uniqueness, the current password)
//! receive a [`Submitted`] and finish that stage themselves, so every field error still comes
//! in the serializer's order; the others receive finished, typed fields.

pub mod api_tokens;
pub mod audit;
pub mod console;
pub mod links;
pub mod mfa;
pub mod passkeys;
pub mod password;
pub mod profile;
pub mod providers;
pub mod registration;
pub mod second_step;
pub mod sessions;
pub mod sign_in;
pub mod staff;
pub mod username;

use secrecy::SecretString;

use crate::auth::password::Verification;
use crate::domain::password_policy::{NewPassword, UserAttributes};
use crate::domain::user::User;
use crate::domain::username::Username;
use crate::email::EmailKind;
use crate::error::{ApiError, Submitted};
use crate::messages;
use crate::state::AppState;
use crate::store::outbox::OutgoingEmail;
use crate::throttle::Scope;

/// A `*_RETYPE` confirmation as submitted: `None` when the setting is off.
pub type Retyped = Option<String>;

/// The retype check of Djoser's `*_RETYPE` settings.
fn check_retype(retyped: &Retyped, value: &str, mismatch: &'static str) -> Result<(), ApiError> {
    match retyped {
        Some(retyped) if retyped != value => Err(ApiError::non_field(mismatch)),
        _ => Ok(()),
    }
}

/// Checks `password` against the user's hash, storing an upgraded hash on success as Django's
/// `check_password` does. Each check counts against the username's limit of failed sign-ins,
/// so a stolen access token cannot be used to guess the password here either.
pub(crate) async fn password_matches(state: &AppState, user: &User, password: String) -> Result<bool, ApiError> {
    let attempt = state.throttle.attempt(Scope::LoginUsername, &user.username).await?;
    let verification = state.passwords.verify(Some(user.password.clone()), SecretString::from(password)).await?;
    if !verification.is_match() {
        return Ok(false);
    }
    state.throttle.refund(attempt).await?;
    if let Verification::Match { rehashed: Some(hash) } = &verification {
        state.store.set_password(user.id, hash).await?;
    }
    Ok(true)
}

/// The `current_password` field of set_password, set_username and account deletion: a field
/// error unless it is the user's password. `None` when the field already failed its own checks.
async fn check_current_password<T>(
    state: &AppState,
    user: &User,
    submitted: &mut Submitted<T>,
    current_password: Option<String>,
) -> Result<(), ApiError> {
    if let Some(password) = current_password {
        if !password_matches(state, user, password).await? {
            submitted.reject("current_password", messages::INVALID_PASSWORD);
        }
    }
    Ok(())
}

/// A username field's validators in Django's order (characters, uniqueness, length, NUL);
/// `raw` is `None` when the field already failed DRF's checks.
async fn accept_username<T>(
    state: &AppState,
    submitted: &mut Submitted<T>,
    field: &'static str,
    raw: Option<String>,
) -> Result<Option<Username>, ApiError> {
    let Some(value) = raw else { return Ok(None) };
    let taken = state.store.username_exists(&value).await?;
    match Username::accept(value, taken) {
        Ok(username) => Ok(Some(username)),
        Err(problems) => {
            submitted.reject_all(field, problems);
            Ok(None)
        }
    }
}

/// The password validators' verdict on a new password, as `{"<field>": [...]}`.
fn accept_new_password(
    state: &AppState,
    field: &'static str,
    password: &str,
    user: Option<&UserAttributes<'_>>,
) -> Result<NewPassword, ApiError> {
    state.policy.accept(password, user).map_err(|problems| {
        let mut errors = crate::error::FieldErrors::default();
        errors.add_all(field, problems);
        ApiError::Fields(errors)
    })
}

/// The attributes of `user` a new password must not resemble.
fn attributes_of(user: &User) -> UserAttributes<'_> {
    UserAttributes {
        username: &user.username,
        first_name: &user.first_name,
        last_name: &user.last_name,
        email: &user.email,
    }
}

/// The confirmation message of `kind` for `user` when its setting is on, to be queued with the
/// change that causes it.
pub(crate) fn confirmation(state: &AppState, kind: EmailKind, user: &User) -> Vec<OutgoingEmail> {
    let features = state.features();
    let enabled = match kind {
        EmailKind::Confirmation => features.send_confirmation_email,
        EmailKind::PasswordChangedConfirmation => features.password_changed_email_confirmation,
        EmailKind::UsernameChangedConfirmation => features.username_changed_email_confirmation,
        EmailKind::Activation
        | EmailKind::PasswordReset
        | EmailKind::UsernameReset
        | EmailKind::EmailChanged
        | EmailKind::SecondFactorAdded
        | EmailKind::SecondFactorRemoved
        | EmailKind::RecoveryCodesReplaced
        | EmailKind::SecondStepsFailed => true,
    };
    if !enabled {
        return Vec::new();
    }
    state.emails.compose(kind, user).into_iter().collect()
}
