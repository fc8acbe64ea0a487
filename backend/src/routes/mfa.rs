//! The signed-in user's second factors: `users/me/mfa/` lists them, `users/me/mfa/totp/` starts
//! adding an authenticator app and `users/me/mfa/totp/confirm/` makes it active with its first
//! code. (The second step of a sign-in is `jwt/mfa/`, in `jwt.rs`.)

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;
use crate::flows::mfa;
use crate::http::fields::{Form, REQUIRED};
use crate::http::json;
use crate::http::route::{metadata, not_allowed, serve, Route, POST_ONLY};
use crate::routes::request::{action, input, signed_in};
use crate::state::AppState;

const LIST: Route = Route { name: "Second Factor List", allow: "GET, HEAD, OPTIONS" };
const TOTP: Route = Route { name: "Authenticator App", allow: POST_ONLY };
const CONFIRM: Route = Route { name: "Authenticator App Confirm", allow: POST_ONLY };
const ONE: Route = Route { name: "Second Factor Instance", allow: "DELETE, OPTIONS" };
const RECOVERY_CODES: Route = Route { name: "Recovery Codes", allow: POST_ONLY };
const RESET: Route = Route { name: "Second Factor Reset", allow: "DELETE, OPTIONS" };

/// `GET users/me/mfa/`.
pub async fn list(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    serve(&LIST, &request, async {
        let user = signed_in(&request, &state).await?;
        match *request.method() {
            Method::GET | Method::HEAD => Ok(json::ok(&mfa::list(&state, &user).await?)),
            Method::OPTIONS => Ok(metadata(&LIST)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

/// `POST users/me/mfa/totp/`: a new key, shown once.
pub async fn totp(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    action(&TOTP, &request, payload, &state, None, async |requester, _| {
        let user = requester.ok_or_else(ApiError::not_authenticated)?.user;
        let mut response = json::respond(actix_web::http::StatusCode::CREATED, &mfa::enrol_totp(&state, &user).await?);
        no_store(&mut response);
        Ok(response)
    })
    .await
}

/// `POST users/me/mfa/totp/confirm/`: `id` and `code`.
pub async fn confirm(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    action(&CONFIRM, &request, payload, &state, None, async |requester, input| {
        let user = requester.ok_or_else(ApiError::not_authenticated)?.user;
        let mut form = Form::new(&input);
        let id = form.text("id", REQUIRED).unwrap_or_default();
        let code = form.text("code", REQUIRED).unwrap_or_default();
        form.finish()?;
        let mut response = json::ok(&mfa::confirm_totp(&state, &user, &id, &code).await?);
        no_store(&mut response);
        Ok(response)
    })
    .await
}

/// `DELETE users/me/mfa/{id}/`: `current_password`.
pub async fn one(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    serve(&ONE, &request, async {
        let user = signed_in(&request, &state).await?;
        match *request.method() {
            Method::DELETE => {}
            Method::OPTIONS => return Ok(metadata(&ONE)),
            _ => return Err(not_allowed(&request)),
        }
        let input = input(&request, payload, &state).await?;
        let mut form = Form::new(&input);
        let current_password = form.text("current_password", REQUIRED);
        form.finish()?;
        mfa::remove(&state, &user, &path, current_password.unwrap_or_default()).await?;
        Ok(json::no_content())
    })
    .await
}

/// `POST users/me/mfa/recovery_codes/`: `current_password`.
pub async fn recovery_codes(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    action(&RECOVERY_CODES, &request, payload, &state, None, async |requester, input| {
        let user = requester.ok_or_else(ApiError::not_authenticated)?.user;
        let mut form = Form::new(&input);
        let current_password = form.text("current_password", REQUIRED);
        form.finish()?;
        let mut response =
            json::ok(&mfa::replace_recovery_codes(&state, &user, current_password.unwrap_or_default()).await?);
        no_store(&mut response);
        Ok(response)
    })
    .await
}

/// `DELETE users/{id}/mfa/`: staff clear a user's second factors.
pub async fn reset(request: HttpRequest, state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    serve(&RESET, &request, async {
        let staff = signed_in(&request, &state).await?;
        match *request.method() {
            Method::DELETE => {
                mfa::reset(&state, &staff, &id).await?;
                Ok(json::no_content())
            }
            Method::OPTIONS => Ok(metadata(&RESET)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

/// Keys and recovery codes must not be kept by any cache.
fn no_store(response: &mut HttpResponse) {
    use actix_web::http::header;
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
}
