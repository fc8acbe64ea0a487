//! The route table: every endpoint of the API, in matching order, and what happens outside it.
//!
//! Fixed action names under `users/` are registered before `users/{id}/`, as in Djoser's
//! router. Each path is registered with and without its trailing slash; the slashless form
//! redirects GET and HEAD and serves the other methods (see `http::route`).

/// Runs a Djoser action's first steps ([`action_step`]) and yields the requester, or returns
/// the answer they already decided.
macro_rules! proceed {
    ($route:expr, $request:expr, $state:expr) => {
        match crate::routes::action_step($route, $request, $state).await? {
            crate::routes::Step::Proceed(user) => user,
            crate::routes::Step::Answer(answer) => return Ok(answer),
        }
    };
}

pub mod account;
pub mod app;
pub mod jwt;
pub mod openapi;
pub mod reset;
pub mod users;

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, HttpRequest, HttpResponse, Responder};
use serde::Serialize;

use crate::auth::authenticate::authenticate;
use crate::domain::user::User;
use crate::error::ApiError;
use crate::http::json;
use crate::http::route::{self, metadata, not_allowed, Route};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/auth").configure(api).default_service(web::to(not_found)));
    cfg.default_service(web::to(app::serve));
}

/// The API, in matching order.
fn api(cfg: &mut web::ServiceConfig) {
    endpoint(cfg, "/", api_root);
    endpoint(cfg, "/jwt/create/", jwt::create);
    endpoint(cfg, "/jwt/refresh/", jwt::refresh);
    endpoint(cfg, "/jwt/verify/", jwt::verify);
    endpoint(cfg, "/jwt/blacklist/", jwt::blacklist);
    endpoint(cfg, "/users/", users::collection);
    endpoint(cfg, "/users/me/", users::me);
    endpoint(cfg, "/users/activation/", account::activation);
    endpoint(cfg, "/users/resend_activation/", reset::resend_activation);
    endpoint(cfg, "/users/set_password/", account::set_password);
    endpoint(cfg, "/users/reset_password/", reset::reset_password);
    endpoint(cfg, "/users/reset_password_confirm/", reset::reset_password_confirm);
    endpoint(cfg, "/users/set_username/", account::set_username);
    endpoint(cfg, "/users/reset_username/", reset::reset_username);
    endpoint(cfg, "/users/reset_username_confirm/", reset::reset_username_confirm);
    endpoint(cfg, "/schema/", openapi::serve);
    endpoint(cfg, "/users/{id:[^/.]+}/", users::detail);
}

/// A route answering at `path` and at `path` without its trailing slash. Two resources with
/// one pattern each: a resource with several patterns is matched by regular expression, which
/// showed up in the profile of every request.
fn endpoint<F, Args>(cfg: &mut web::ServiceConfig, path: &str, handler: F)
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let slashless = path.trim_end_matches('/');
    cfg.service(web::resource(path).to(handler.clone()));
    cfg.service(web::resource(slashless).to(handler));
}

/// Anything unknown under `/auth/`.
async fn not_found() -> HttpResponse {
    actix_web::ResponseError::error_response(&ApiError::not_found())
}

const ROOT: Route = Route { name: "Api Root", allow: "GET, HEAD, OPTIONS" };

#[derive(Serialize)]
struct RootLinks {
    users: String,
}

/// `GET /auth/`: DRF's router root, a link to the users collection.
async fn api_root(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    route::serve(&ROOT, &request, async {
        authenticate(&request, &state).await?;
        match *request.method() {
            Method::GET | Method::HEAD => {
                let info = request.connection_info();
                let users = format!("{}://{}/auth/users/", info.scheme(), info.host());
                Ok(json::ok(&RootLinks { users }))
            }
            Method::OPTIONS => Ok(metadata(&ROOT)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

/// How a Djoser action route (POST only) treats a request before its own work: the user is
/// authenticated first; other methods fall back to the `user` permission, so an anonymous
/// caller gets 401 before the 405.
pub enum Step {
    Proceed(Option<User>),
    Answer(HttpResponse),
}

pub async fn action_step(route: &Route, request: &HttpRequest, state: &AppState) -> Result<Step, ApiError> {
    let user = authenticate(request, state).await?;
    if *request.method() == Method::POST {
        return Ok(Step::Proceed(user));
    }
    if user.is_none() {
        return Err(ApiError::not_authenticated());
    }
    if *request.method() == Method::OPTIONS {
        return Ok(Step::Answer(metadata(route)));
    }
    Err(not_allowed(request))
}

/// The submitted fields, once the body is read (for the views that read one).
pub async fn input(request: &HttpRequest, payload: web::Payload) -> Result<crate::http::body::Input, ApiError> {
    let body = crate::http::body::read(payload).await?;
    crate::http::body::Input::parse(request, &body)
}

/// The retype check of Djoser's `*_RETYPE` settings: `retyped` is `None` when the setting is
/// off, and the field's value (if it passed) when it is on.
pub fn check_retype(retyped: Option<Option<String>>, value: &str, mismatch: &'static str) -> Result<(), ApiError> {
    match retyped {
        Some(retyped) if retyped.as_deref() != Some(value) => Err(ApiError::non_field(mismatch)),
        _ => Ok(()),
    }
}
