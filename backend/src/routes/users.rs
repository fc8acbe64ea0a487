//! Djoser's user resources: `users/` (list, register), `users/me/` and `users/{id}/`.

use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::SecretString;

use crate::auth::authenticate::{authenticate, require_user};
use crate::auth::password::Verification;
use crate::clock;
use crate::domain::password_policy::UserAttributes;
use crate::domain::user::{User, NAME_MAX_LENGTH};
use crate::domain::{email, username};
use crate::email::EmailKind;
use crate::error::ApiError;
use crate::http::body::Input;
use crate::http::fields::{optional_blank, Form, Spec, REQUIRED};
use crate::http::json;
use crate::http::route::{metadata, not_allowed, serve, Route, COLLECTION, INSTANCE};
use crate::messages;
use crate::routes::{check_retype, input};
use crate::state::AppState;
use crate::store::users::{NewUser, WriteError};
use crate::throttle::{self, Scope};

const LIST: Route = Route { name: "User List", allow: COLLECTION };
const INSTANCE_ROUTE: Route = Route { name: "User Instance", allow: INSTANCE };
const ME: Route = Route { name: "User Instance", allow: INSTANCE };

/// The e-mail field of the user model: optional, may be blank, at most 254 characters.
const EMAIL_FIELD: Spec = Spec { required: false, allow_blank: true, max_length: Some(email::MAX_LENGTH) };
/// A username field of the user model.
const USERNAME_FIELD: Spec = Spec { required: true, allow_blank: false, max_length: Some(username::MAX_LENGTH) };

/// `users/`: GET lists, POST registers.
pub async fn collection(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&LIST, &request, async {
        let user = authenticate(&request, &state).await?;
        if *request.method() == Method::POST {
            throttle::per_address(&state, &request, Scope::EmailAddress).await?;
            return create(input(&request, payload).await?, &state).await;
        }
        let user = user.ok_or_else(ApiError::not_authenticated)?;
        match *request.method() {
            Method::GET | Method::HEAD => list(&state, &user).await,
            Method::OPTIONS => Ok(metadata(&LIST)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

/// Staff see everyone; with `HIDE_USERS` others see only themselves.
async fn list(state: &AppState, user: &User) -> Result<HttpResponse, ApiError> {
    let users = if state.features().hide_users && !user.is_staff {
        vec![user.clone()]
    } else {
        state.store.list_users().await?
    };
    let views: Vec<_> = users.iter().map(User::view).collect();
    Ok(json::ok(&views))
}

/// Registration. Field errors come all together; only then the password validators, then the
/// retype check.
async fn create(input: Input, state: &AppState) -> Result<HttpResponse, ApiError> {
    let features = state.features();
    let mut form = Form::new(&input);
    let first_name = form.text("first_name", optional_blank(NAME_MAX_LENGTH)).unwrap_or_default();
    let last_name = form.text("last_name", optional_blank(NAME_MAX_LENGTH)).unwrap_or_default();
    let username = checked_username(&mut form, state, "username").await?;
    let email = form.email("email", EMAIL_FIELD).unwrap_or_default();
    let password = form.text("password", REQUIRED);
    let re_password = features.user_create_password_retype.then(|| form.text("re_password", REQUIRED));
    form.finish()?;
    let (username, password) = (username.unwrap_or_default(), password.unwrap_or_default());

    let attributes =
        UserAttributes { username: &username, first_name: &first_name, last_name: &last_name, email: &email };
    let problems = state.policy.errors(&password, Some(&attributes));
    if !problems.is_empty() {
        let mut errors = crate::error::FieldErrors::default();
        errors.add_all("password", problems);
        return Err(ApiError::Fields(errors));
    }
    check_retype(re_password, &password, messages::PASSWORD_MISMATCH)?;
    if !email.is_empty() {
        throttle::hit(state, Scope::EmailRecipient, &email).await?;
    }

    let password_hash = state.passwords.hash(SecretString::from(password)).await?;
    let username = username::normalize(&username);
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
    let compose = |user: &User| welcome.and_then(|kind| state.emails.compose(kind, user));
    let user = match state.store.insert_user(&new, compose).await {
        Ok(user) => user,
        Err(WriteError::UsernameTaken) => return Err(ApiError::Bare(messages::CANNOT_CREATE_USER)),
        Err(WriteError::Unexpected(error)) => return Err(error.into()),
    };
    tracing::info!(user_id = user.id, "account created");
    state.emails.wake();
    Ok(json::respond(StatusCode::CREATED, &user.view()))
}

/// A username field with Django's validators in order: characters, uniqueness, length, NUL.
pub async fn checked_username(
    form: &mut Form<'_>,
    state: &AppState,
    field: &'static str,
) -> Result<Option<String>, ApiError> {
    let Some(value) = form.raw_text(field, USERNAME_FIELD) else {
        return Ok(None);
    };
    let taken = state.store.username_exists(&value).await?;
    Ok(form.accept_unless(field, value.clone(), username::errors(&value, taken)))
}

/// `users/me/`: the signed-in user.
pub async fn me(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&ME, &request, async {
        let user = require_user(&request, &state).await?;
        match *request.method() {
            Method::GET | Method::HEAD => Ok(json::ok(&user.view())),
            Method::PUT | Method::PATCH => update(&state, user, input(&request, payload).await?).await,
            Method::DELETE => destroy(&state, &user, user.id, input(&request, payload).await?).await,
            Method::OPTIONS => Ok(metadata(&ME)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

/// `users/{id}/`: a user by id, for that user or staff. Unknown ids and other people's
/// accounts are both "Not found." for reads and updates (`HIDE_USERS`); deleting someone
/// else's account is 403.
pub async fn detail(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    serve(&INSTANCE_ROUTE, &request, async {
        let user = require_user(&request, &state).await?;
        let method = request.method().clone();
        if method == Method::OPTIONS {
            return Ok(metadata(&INSTANCE_ROUTE));
        }
        if !matches!(method, Method::GET | Method::HEAD | Method::PUT | Method::PATCH | Method::DELETE) {
            return Err(not_allowed(&request));
        }
        let target = match crate::pycompat::parse_int(&path) {
            Some(id) => state.store.find_user(id).await?,
            None => None,
        };
        let target = target.ok_or_else(ApiError::not_found)?;
        if !(user.is_staff || user.id == target.id) {
            return Err(if state.features().hide_users && method != Method::DELETE {
                ApiError::not_found()
            } else {
                ApiError::permission_denied()
            });
        }
        match method {
            Method::GET | Method::HEAD => Ok(json::ok(&target.view())),
            Method::DELETE => destroy(&state, &user, target.id, input(&request, payload).await?).await,
            _ => update(&state, target, input(&request, payload).await?).await,
        }
    })
    .await
}

/// PUT and PATCH (identical: every writable field is optional). With activation on, a new
/// e-mail address deactivates the account and is sent an activation link.
async fn update(state: &AppState, target: User, input: Input) -> Result<HttpResponse, ApiError> {
    let mut form = Form::new(&input);
    let first_name = form.text("first_name", optional_blank(NAME_MAX_LENGTH));
    let last_name = form.text("last_name", optional_blank(NAME_MAX_LENGTH));
    let email = form.email("email", EMAIL_FIELD);
    form.finish()?;

    let features = state.features();
    let mut changed = target.clone();
    if let Some(first_name) = first_name {
        changed.first_name = first_name;
    }
    if let Some(last_name) = last_name {
        changed.last_name = last_name;
    }
    if let Some(email) = email {
        if features.send_activation_email && email != target.email {
            changed.is_active = false;
        }
        changed.email = email;
    }
    // As Djoser, any update that leaves the account inactive sends the activation link again.
    let emails: Vec<_> = (features.send_activation_email && !changed.is_active)
        .then(|| state.emails.compose(EmailKind::Activation, &changed))
        .flatten()
        .into_iter()
        .collect();
    let saved = state.store.update_profile(&changed, &emails).await?.ok_or_else(ApiError::not_found)?;
    state.emails.wake();
    Ok(json::ok(&saved.view()))
}

/// DELETE: the requester confirms with their own current password.
async fn destroy(state: &AppState, requester: &User, target_id: i64, input: Input) -> Result<HttpResponse, ApiError> {
    let mut form = Form::new(&input);
    if let Some(password) = form.text("current_password", REQUIRED) {
        if !check_password(state, requester, password).await? {
            form.reject("current_password", messages::INVALID_PASSWORD);
        }
    }
    form.finish()?;
    state.store.delete_user(target_id).await?;
    tracing::info!(user_id = target_id, by = requester.id, "account deleted");
    Ok(json::no_content())
}

/// Checks `password` against the user's hash, storing an upgraded hash on success as Django's
/// `check_password` does.
pub async fn check_password(state: &AppState, user: &User, password: String) -> Result<bool, ApiError> {
    let verification = state.passwords.verify(Some(user.password.clone()), SecretString::from(password)).await?;
    if let Verification::Match { rehashed: Some(hash) } = &verification {
        state.store.set_password(user.id, hash).await?;
    }
    Ok(verification.is_match())
}
