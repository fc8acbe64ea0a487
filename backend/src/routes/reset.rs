//! The flows that go through a person's mailbox: resending the activation link, and resetting
//! a forgotten password or username by e-mailed link.

use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::SecretString;

use crate::clock;
use crate::domain::user::User;
use crate::email::EmailKind;
use crate::error::ApiError;
use crate::http::body::Input;
use crate::http::fields::{Form, Spec, REQUIRED};
use crate::http::json;
use crate::http::route::{serve, Route, POST_ONLY};
use crate::messages;
use crate::routes::account::{check_link_token, confirmation, user_of_uid, validate_new_password};
use crate::routes::users::checked_username;
use crate::routes::{check_retype, input};
use crate::state::AppState;
use crate::store::users::WriteError;
use crate::throttle::{self, Scope};

const RESEND_ACTIVATION: Route = Route { name: "Resend activation", allow: POST_ONLY };
const RESET_PASSWORD: Route = Route { name: "Reset password", allow: POST_ONLY };
const RESET_PASSWORD_CONFIRM: Route = Route { name: "Reset password confirm", allow: POST_ONLY };
const RESET_USERNAME: Route = Route { name: "Reset username", allow: POST_ONLY };
const RESET_USERNAME_CONFIRM: Route = Route { name: "Reset username confirm", allow: POST_ONLY };

/// The e-mail field of the reset serializers: required, no length limit.
const EMAIL: Spec = REQUIRED;

/// The accounts an e-mail request is about: every user with exactly this address, in the
/// wanted activation state, who has a usable password. When there are none and either
/// SHOW_EMAIL_NOT_FOUND flag is on, that is a 400 with a bare array.
async fn recipients(state: &AppState, input: &Input, active: bool) -> Result<Vec<User>, ApiError> {
    let mut form = Form::new(input);
    let email = form.email("email", EMAIL);
    form.finish()?;
    let email = email.unwrap_or_default();
    throttle::hit(state, Scope::EmailRecipient, &email).await?;
    let users: Vec<User> = state
        .store
        .find_users_by_email(&email)
        .await?
        .into_iter()
        .filter(|user| user.is_active == active && crate::auth::password::is_usable(&user.password))
        .collect();
    let features = state.features();
    if users.is_empty()
        && (features.password_reset_show_email_not_found || features.username_reset_show_email_not_found)
    {
        return Err(ApiError::Bare(messages::EMAIL_NOT_FOUND));
    }
    Ok(users)
}

/// `POST users/resend_activation/`: a new activation link for an inactive account.
pub async fn resend_activation(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    serve(&RESEND_ACTIVATION, &request, async {
        proceed!(&RESEND_ACTIVATION, &request, &state);
        throttle::per_address(&state, &request, Scope::EmailAddress).await?;
        let users = recipients(&state, &input(&request, payload).await?, false).await?;
        if !state.features().send_activation_email {
            return Err(ApiError::EmptyBadRequest);
        }
        queue(&state, EmailKind::Activation, &users).await?;
        Ok(json::no_content())
    })
    .await
}

/// `POST users/reset_password/`: e-mails a password reset link. The answer is the same
/// whether or not the address is known (unless a SHOW_EMAIL_NOT_FOUND flag is on).
pub async fn reset_password(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&RESET_PASSWORD, &request, async {
        proceed!(&RESET_PASSWORD, &request, &state);
        throttle::per_address(&state, &request, Scope::EmailAddress).await?;
        let users = recipients(&state, &input(&request, payload).await?, true).await?;
        queue(&state, EmailKind::PasswordReset, &users).await?;
        Ok(json::no_content())
    })
    .await
}

/// `POST users/reset_username/`: e-mails a username reset link.
pub async fn reset_username(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&RESET_USERNAME, &request, async {
        proceed!(&RESET_USERNAME, &request, &state);
        throttle::per_address(&state, &request, Scope::EmailAddress).await?;
        let users = recipients(&state, &input(&request, payload).await?, true).await?;
        queue(&state, EmailKind::UsernameReset, &users).await?;
        Ok(json::no_content())
    })
    .await
}

/// Queues one message of `kind` for each of `users`.
async fn queue(state: &AppState, kind: EmailKind, users: &[User]) -> Result<(), ApiError> {
    state.store.enqueue_emails(&state.emails.compose_all(kind, users)).await?;
    state.emails.wake();
    Ok(())
}

/// A `last_login` for a confirmed link: now, but always in another second than the previous
/// value, because the token only sees whole seconds. That is what makes a link single use.
fn next_login_time(previous: Option<i64>) -> i64 {
    let now = clock::now_micros();
    match previous {
        Some(previous) if previous.div_euclid(1_000_000) >= now.div_euclid(1_000_000) => {
            (previous.div_euclid(1_000_000) + 1) * 1_000_000
        }
        _ => now,
    }
}

/// `POST users/reset_password_confirm/`: the new password for the link's account. The
/// password validators run before the link is looked at.
pub async fn reset_password_confirm(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    serve(&RESET_PASSWORD_CONFIRM, &request, async {
        // The validators compare the password with the requesting user, as Django's do (an
        // anonymous request has nothing to compare with).
        let requester = proceed!(&RESET_PASSWORD_CONFIRM, &request, &state);
        let input = input(&request, payload).await?;
        let retype = state.features().password_reset_confirm_retype;
        let mut form = Form::new(&input);
        form.text("uid", REQUIRED);
        form.text("token", REQUIRED);
        let new_password = form.text("new_password", REQUIRED);
        let re_new_password = retype.then(|| form.text("re_new_password", REQUIRED));
        form.finish()?;
        let new_password = new_password.unwrap_or_default();
        validate_new_password(&state, "new_password", &new_password, requester.as_ref())?;
        check_retype(re_new_password, &new_password, messages::PASSWORD_MISMATCH)?;
        let user = user_of_uid(&state, input.get("uid")).await?;
        check_link_token(&state, &user, input.get("token"))?;

        let hash = state.passwords.hash(SecretString::from(new_password)).await?;
        let last_login = next_login_time(user.last_login);
        let emails = confirmation(&state, EmailKind::PasswordChangedConfirmation, &user);
        if !state.store.reset_password(user.id, &user.password, &hash, last_login, &emails).await? {
            // Another request used the same link first.
            return Err(ApiError::field("token", messages::INVALID_TOKEN));
        }
        state.emails.wake();
        tracing::info!(user_id = user.id, "password reset");
        Ok(json::no_content())
    })
    .await
}

/// `POST users/reset_username_confirm/`: the new username for the link's account. As in
/// Djoser, `uid` and `token` are not reported as required fields.
pub async fn reset_username_confirm(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    serve(&RESET_USERNAME_CONFIRM, &request, async {
        proceed!(&RESET_USERNAME_CONFIRM, &request, &state);
        let input = input(&request, payload).await?;
        let retype = state.features().username_reset_confirm_retype;
        let mut form = Form::new(&input);
        let new_username = checked_username(&mut form, &state, "new_username").await?;
        let re_new_username = retype.then(|| form.text("re_new_username", REQUIRED));
        form.finish()?;
        let new_username = new_username.unwrap_or_default();
        check_retype(re_new_username, &new_username, messages::USERNAME_MISMATCH)?;
        let user = user_of_uid(&state, input.get("uid")).await?;
        check_link_token(&state, &user, input.get("token"))?;

        let last_login = next_login_time(user.last_login);
        let seen_last_login = user.last_login;
        let user = User { username: new_username, ..user };
        let emails = confirmation(&state, EmailKind::UsernameChangedConfirmation, &user);
        match state.store.reset_username(user.id, &user.username, seen_last_login, last_login, &emails).await {
            Ok(true) => {}
            Ok(false) => return Err(ApiError::field("token", messages::INVALID_TOKEN)),
            Err(WriteError::UsernameTaken) => return Err(ApiError::field("new_username", messages::USERNAME_TAKEN)),
            Err(WriteError::Unexpected(error)) => return Err(error.into()),
        }
        state.emails.wake();
        tracing::info!(user_id = user.id, "username reset");
        Ok(json::no_content())
    })
    .await
}
