//! Djoser's user resources: `users/` (list, register), `users/me/` and `users/{id}/`.

use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::domain::user::{User, NAME_MAX_LENGTH};
use crate::error::ApiError;
use crate::flows::profile::{self, Access, Deletion, ProfileChanges};
use crate::flows::registration::{self, Registration};
use crate::http::body::Input;
use crate::http::fields::{optional_blank, Form, EMAIL_FIELD, OPTIONAL, REQUIRED, USERNAME_FIELD};
use crate::http::json;
use crate::http::route::{metadata, not_allowed, serve, Route, COLLECTION, INSTANCE};
use crate::pycompat;
use crate::routes::request::{input, requester, signed_in, throttle_address};
use crate::state::AppState;
use crate::throttle::Scope;

const LIST: Route = Route { name: "User List", allow: COLLECTION };
const INSTANCE_ROUTE: Route = Route { name: "User Instance", allow: INSTANCE };
const ME: Route = Route { name: "User Instance", allow: INSTANCE };

/// `users/`: GET lists, POST registers.
pub async fn collection(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&LIST, &request, async {
        let viewer = requester(&request, &state).await?;
        if *request.method() == Method::POST {
            throttle_address(&request, &state, Scope::EmailAddress).await?;
            return register(&state, input(&request, payload, &state).await?).await;
        }
        let viewer = viewer.ok_or_else(ApiError::not_authenticated)?;
        match *request.method() {
            Method::GET | Method::HEAD => {
                let users = profile::list(&state, &viewer).await?;
                Ok(json::ok(&users.iter().map(User::view).collect::<Vec<_>>()))
            }
            Method::OPTIONS => Ok(metadata(&LIST)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

/// Registration's fields, in the serializer's order.
async fn register(state: &AppState, input: Input) -> Result<HttpResponse, ApiError> {
    let mut form = Form::new(&input);
    let first_name = form.text("first_name", optional_blank(NAME_MAX_LENGTH)).unwrap_or_default();
    let last_name = form.text("last_name", optional_blank(NAME_MAX_LENGTH)).unwrap_or_default();
    let username = form.raw_text("username", USERNAME_FIELD);
    let email = form.email("email", EMAIL_FIELD).unwrap_or_default();
    let password = form.text("password", REQUIRED).unwrap_or_default();
    let re_password =
        state.features().user_create_password_retype.then(|| form.text("re_password", REQUIRED).unwrap_or_default());
    let fields = Registration { first_name, last_name, username, email, password, re_password };
    let user = registration::register(state, form.submit(fields, registration::REGISTRATION)).await?;
    Ok(json::respond(StatusCode::CREATED, &user.view()))
}

/// `users/me/`: the signed-in user.
pub async fn me(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&ME, &request, async {
        let user = signed_in(&request, &state).await?;
        match *request.method() {
            Method::GET | Method::HEAD => Ok(json::ok(&user.view())),
            Method::PUT | Method::PATCH => {
                update(&state, &user, user.clone(), input(&request, payload, &state).await?).await
            }
            Method::DELETE => destroy(&state, &user, user.id, input(&request, payload, &state).await?).await,
            Method::OPTIONS => Ok(metadata(&ME)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

/// `users/{id}/`: a user by id, for that user or staff.
pub async fn detail(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    serve(&INSTANCE_ROUTE, &request, async {
        let viewer = signed_in(&request, &state).await?;
        let method = request.method().clone();
        if method == Method::OPTIONS {
            return Ok(metadata(&INSTANCE_ROUTE));
        }
        if !matches!(method, Method::GET | Method::HEAD | Method::PUT | Method::PATCH | Method::DELETE) {
            return Err(not_allowed(&request));
        }
        let access = if method == Method::DELETE { Access::Delete } else { Access::ReadOrChange };
        let target = profile::account(&state, &viewer, pycompat::parse_int(&path), access).await?;
        match method {
            Method::GET | Method::HEAD => Ok(json::ok(&target.view())),
            Method::DELETE => destroy(&state, &viewer, target.id, input(&request, payload, &state).await?).await,
            _ => update(&state, &viewer, target, input(&request, payload, &state).await?).await,
        }
    })
    .await
}

/// PUT and PATCH.
async fn update(state: &AppState, requester: &User, target: User, input: Input) -> Result<HttpResponse, ApiError> {
    let mut form = Form::new(&input);
    let first_name = form.text("first_name", optional_blank(NAME_MAX_LENGTH));
    let last_name = form.text("last_name", optional_blank(NAME_MAX_LENGTH));
    let email = form.email("email", EMAIL_FIELD);
    // Djoser ignores keys it does not know: `current_password` is read only for a new address.
    let email_changes = profile::is_new_address(&target, email.as_deref());
    let current_password_sent = email_changes && input.contains("current_password");
    let current_password = if email_changes { form.text("current_password", OPTIONAL) } else { None };
    let changes = ProfileChanges { first_name, last_name, email, current_password, current_password_sent };
    let saved = profile::update(state, requester, target, form.submit(changes, profile::CHANGES)).await?;
    Ok(json::ok(&saved.view()))
}

/// DELETE, confirmed by the requester's current password.
async fn destroy(state: &AppState, requester: &User, target_id: i64, input: Input) -> Result<HttpResponse, ApiError> {
    let mut form = Form::new(&input);
    let current_password = form.text("current_password", REQUIRED);
    profile::delete(state, requester, target_id, form.submit(Deletion { current_password }, profile::DELETION)).await?;
    Ok(json::no_content())
}
