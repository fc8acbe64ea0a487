//! Djoser's token login and logout (`djoser.urls.authtoken`), for DRF's token authentication.
//! With `TOKEN_AUTH` off, both are unknown paths.

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::ApiError;
use crate::flows::api_tokens;
use crate::http::fields::{Form, OPTIONAL};
use crate::http::json;
use crate::http::route::{self, metadata, not_allowed, Route, POST_ONLY};
use crate::routes::request::{bearer, input, signed_in, throttle_address};
use crate::state::AppState;
use crate::throttle::Scope;

const LOGIN: Route = Route { name: "Token Create", allow: POST_ONLY };
const LOGOUT: Route = Route { name: "Token Destroy", allow: POST_ONLY };

#[derive(Serialize)]
struct TokenAnswer<'a> {
    auth_token: &'a str,
}

/// `POST token/login/`: a username and password for the user's token (anyone may ask, but
/// an `Authorization` header is still checked first).
pub async fn login(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    route::serve(&LOGIN, &request, async {
        if !state.features().token_auth {
            return Err(ApiError::not_found());
        }
        bearer(&request, &state).await?;
        match *request.method() {
            Method::POST => {}
            Method::OPTIONS => return Ok(metadata(&LOGIN)),
            _ => return Err(not_allowed(&request)),
        }
        throttle_address(&request, &state, Scope::LoginAddress).await?;
        let input = input(&request, payload, &state).await?;
        let mut form = Form::new(&input);
        let password = form.text("password", OPTIONAL);
        let username = form.text("username", OPTIONAL);
        form.finish()?;
        let key = api_tokens::log_in(&state, username, password).await?;
        let mut response = json::ok(&TokenAnswer { auth_token: &key });
        response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
        Ok(response)
    })
    .await
}

/// `POST token/logout/`: deletes the signed-in user's token. The body is never read.
pub async fn logout(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    route::serve(&LOGOUT, &request, async {
        if !state.features().token_auth {
            return Err(ApiError::not_found());
        }
        let user = signed_in(&request, &state).await?;
        match *request.method() {
            Method::POST => {}
            Method::OPTIONS => return Ok(metadata(&LOGOUT)),
            _ => return Err(not_allowed(&request)),
        }
        api_tokens::log_out(&state, &user).await?;
        Ok(json::no_content())
    })
    .await
}
