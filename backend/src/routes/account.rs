//! Djoser's account actions: activation, set_password and set_username.

use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::SecretString;
use serde_json::Value;

use crate::auth::reset_tokens::decode_uid;
use crate::clock;
use crate::domain::password_policy::UserAttributes;
use crate::domain::user::User;
use crate::email::EmailKind;
use crate::error::{ApiError, FieldErrors};
use crate::http::fields::{Form, REQUIRED};
use crate::http::json;
use crate::http::route::{serve, Route, POST_ONLY};
use crate::messages;
use crate::routes::users::{check_password, checked_username};
use crate::routes::{check_retype, input};
use crate::state::AppState;
use crate::store::outbox::OutgoingEmail;
use crate::store::users::WriteError;

const ACTIVATION: Route = Route { name: "Activation", allow: POST_ONLY };
const SET_PASSWORD: Route = Route { name: "Set password", allow: POST_ONLY };
const SET_USERNAME: Route = Route { name: "Set username", allow: POST_ONLY };

/// The user a link's `uid` names. Djoser reads the raw submitted value: anything but a
/// string naming an existing user is "Invalid user id or user doesn't exist."
pub async fn user_of_uid(state: &AppState, uid: Option<&Value>) -> Result<User, ApiError> {
    let id = match uid {
        Some(Value::String(text)) => decode_uid(text),
        _ => None,
    };
    let user = match id {
        Some(id) => state.store.find_user(id).await?,
        None => None,
    };
    user.ok_or_else(|| ApiError::field("uid", messages::INVALID_UID))
}

/// Checks a link's raw `token` for `user`.
pub fn check_link_token(state: &AppState, user: &User, token: Option<&Value>) -> Result<(), ApiError> {
    let valid = match token {
        Some(Value::String(token)) => {
            state.reset_tokens.check_token(&user.token_subject(), token, clock::now_seconds())
        }
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(ApiError::field("token", messages::INVALID_TOKEN))
    }
}

/// `POST users/activation/`: uid and token from the activation link.
pub async fn activation(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&ACTIVATION, &request, async {
        proceed!(&ACTIVATION, &request, &state);
        let input = input(&request, payload).await?;
        let mut form = Form::new(&input);
        form.text("uid", REQUIRED);
        form.text("token", REQUIRED);
        form.finish()?;
        let user = user_of_uid(&state, input.get("uid")).await?;
        check_link_token(&state, &user, input.get("token"))?;
        if user.is_active {
            return Err(ApiError::stale_token());
        }
        let user = User { is_active: true, ..user };
        let emails = confirmation(&state, EmailKind::Confirmation, &user);
        state.store.set_active(user.id, true, &emails).await?;
        state.emails.wake();
        tracing::info!(user_id = user.id, "account activated");
        Ok(json::no_content())
    })
    .await
}

/// The confirmation message of `kind` for `user` when its setting is on, to be queued with the
/// change that causes it.
pub fn confirmation(state: &AppState, kind: EmailKind, user: &User) -> Vec<OutgoingEmail> {
    let features = state.features();
    let enabled = match kind {
        EmailKind::Confirmation => features.send_confirmation_email,
        EmailKind::PasswordChangedConfirmation => features.password_changed_email_confirmation,
        EmailKind::UsernameChangedConfirmation => features.username_changed_email_confirmation,
        EmailKind::Activation | EmailKind::PasswordReset | EmailKind::UsernameReset => true,
    };
    if !enabled {
        return Vec::new();
    }
    state.emails.compose(kind, user).into_iter().collect()
}

/// The password validators' verdict on a new password, as `{"<field>": [...]}`.
pub fn validate_new_password(
    state: &AppState,
    field: &'static str,
    password: &str,
    user: Option<&User>,
) -> Result<(), ApiError> {
    let attributes = user.map(|user| UserAttributes {
        username: &user.username,
        first_name: &user.first_name,
        last_name: &user.last_name,
        email: &user.email,
    });
    let problems = state.policy.errors(password, attributes.as_ref());
    if problems.is_empty() {
        return Ok(());
    }
    let mut errors = FieldErrors::default();
    errors.add_all(field, problems);
    Err(ApiError::Fields(errors))
}

/// `POST users/set_password/`: new password, confirmed by the current one.
pub async fn set_password(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&SET_PASSWORD, &request, async {
        let user = proceed!(&SET_PASSWORD, &request, &state).ok_or_else(ApiError::not_authenticated)?;
        let input = input(&request, payload).await?;
        let retype = state.features().set_password_retype;
        let mut form = Form::new(&input);
        let new_password = form.text("new_password", REQUIRED);
        let re_new_password = retype.then(|| form.text("re_new_password", REQUIRED));
        if let Some(current) = form.text("current_password", REQUIRED) {
            if !check_password(&state, &user, current).await? {
                form.reject("current_password", messages::INVALID_PASSWORD);
            }
        }
        form.finish()?;
        let new_password = new_password.unwrap_or_default();
        validate_new_password(&state, "new_password", &new_password, Some(&user))?;
        check_retype(re_new_password, &new_password, messages::PASSWORD_MISMATCH)?;
        let hash = state.passwords.hash(SecretString::from(new_password)).await?;
        let emails = confirmation(&state, EmailKind::PasswordChangedConfirmation, &user);
        state.store.change_password(user.id, &hash, &emails).await?;
        state.emails.wake();
        tracing::info!(user_id = user.id, "password changed");
        Ok(json::no_content())
    })
    .await
}

/// `POST users/set_username/`: new username, confirmed by the current password.
pub async fn set_username(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&SET_USERNAME, &request, async {
        let user = proceed!(&SET_USERNAME, &request, &state).ok_or_else(ApiError::not_authenticated)?;
        let input = input(&request, payload).await?;
        let retype = state.features().set_username_retype;
        let mut form = Form::new(&input);
        if let Some(current) = form.text("current_password", REQUIRED) {
            if !check_password(&state, &user, current).await? {
                form.reject("current_password", messages::INVALID_PASSWORD);
            }
        }
        let new_username = checked_username(&mut form, &state, "new_username").await?;
        let re_new_username = retype.then(|| form.text("re_new_username", REQUIRED));
        form.finish()?;
        let new_username = new_username.unwrap_or_default();
        check_retype(re_new_username, &new_username, messages::USERNAME_MISMATCH)?;
        let user = User { username: new_username, ..user };
        let emails = confirmation(&state, EmailKind::UsernameChangedConfirmation, &user);
        match state.store.set_username(user.id, &user.username, &emails).await {
            Ok(()) => {}
            Err(WriteError::UsernameTaken) => return Err(ApiError::field("new_username", messages::USERNAME_TAKEN)),
            Err(WriteError::Unexpected(error)) => return Err(error.into()),
        }
        state.emails.wake();
        tracing::info!(user_id = user.id, "username changed");
        Ok(json::no_content())
    })
    .await
}
