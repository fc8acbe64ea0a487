//! The route table: every endpoint of the API, in matching order, and what happens outside it.
//! Each handler reads its request with DRF's field semantics (`http/`), calls one flow
//! (`flows/`) and renders the answer.
//!
//! Fixed action names under `users/` are registered before `users/{id}/`, as in Djoser's
//! router. Each path is registered with and without its trailing slash; the slashless form
//! redirects GET and HEAD and serves the other methods (see `http::route`).

pub mod account;
pub mod api_tokens;
pub mod app;
pub mod console;
pub mod jwt;
pub mod mfa;
pub mod openapi;
pub mod providers;
pub mod request;
pub mod reset;
pub mod root;
pub mod sessions;
pub mod users;

use actix_web::{web, FromRequest, Handler, HttpResponse, Responder};

use crate::error::ApiError;
use crate::http::route::error_response;
use crate::telemetry::RouteName;

/// Where the API is mounted.
const API: &str = "/auth";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope(API).configure(api).default_service(web::to(not_found)));
    // A provider that posts its answer (`form_post`, as Apple does) posts it to the app's
    // callback page, which a browser can only load.
    let callback = "/o/{provider}/callback";
    cfg.service(
        web::resource(callback)
            .app_data(RouteName::of_pattern(callback))
            .route(web::post().to(providers::posted_answer))
            .default_service(web::to(app::serve)),
    );
    cfg.default_service(web::to(app::serve));
}

/// The API, in matching order.
fn api(cfg: &mut web::ServiceConfig) {
    endpoint(cfg, "/", root::serve);
    endpoint(cfg, "/jwt/create/", jwt::create);
    endpoint(cfg, "/jwt/refresh/", jwt::refresh);
    endpoint(cfg, "/jwt/verify/", jwt::verify);
    endpoint(cfg, "/jwt/blacklist/", jwt::blacklist);
    endpoint(cfg, "/jwt/mfa/", jwt::mfa);
    endpoint(cfg, "/jwt/passkey/options/", jwt::passkey_options);
    endpoint(cfg, "/jwt/passkey/", jwt::passkey);
    endpoint(cfg, "/token/login/", api_tokens::login);
    endpoint(cfg, "/token/logout/", api_tokens::logout);
    endpoint(cfg, "/o/", providers::list);
    endpoint(cfg, "/users/", users::collection);
    endpoint(cfg, "/users/me/", users::me);
    endpoint(cfg, "/users/me/sessions/", sessions::my_list);
    endpoint(cfg, "/users/me/sessions/revoke/", sessions::my_revoke);
    endpoint(cfg, "/users/me/sessions/{sid:[^/.]+}/", sessions::my_one);
    endpoint(cfg, "/users/me/mfa/", mfa::list);
    endpoint(cfg, "/users/me/mfa/totp/", mfa::totp);
    endpoint(cfg, "/users/me/mfa/totp/confirm/", mfa::confirm);
    endpoint(cfg, "/users/me/mfa/recovery_codes/", mfa::recovery_codes);
    endpoint(cfg, "/users/me/mfa/passkeys/", mfa::passkeys);
    endpoint(cfg, "/users/me/mfa/passkeys/confirm/", mfa::passkey_confirm);
    endpoint(cfg, "/users/me/mfa/passkeys/assertion/", mfa::passkey_assertion);
    endpoint(cfg, "/users/me/mfa/{factor:[^/.]+}/", mfa::one);
    endpoint(cfg, "/users/me/providers/", providers::links);
    endpoint(cfg, "/users/me/providers/{provider:[^/.]+}/", providers::link);
    endpoint(cfg, "/users/me/activity/", console::activity);
    endpoint(cfg, "/users/activation/", account::activation);
    endpoint(cfg, "/users/resend_activation/", reset::resend_activation);
    endpoint(cfg, "/users/set_password/", account::set_password);
    endpoint(cfg, "/users/reset_password/", reset::reset_password);
    endpoint(cfg, "/users/reset_password_confirm/", reset::reset_password_confirm);
    endpoint(cfg, "/users/set_username/", account::set_username);
    endpoint(cfg, "/users/reset_username/", reset::reset_username);
    endpoint(cfg, "/users/reset_username_confirm/", reset::reset_username_confirm);
    endpoint(cfg, "/users/revert_email/", account::revert_email);
    // Patterns with an expression are matched by running it: after the static paths, so that
    // `users/me/` and the token endpoints never run one.
    endpoint(cfg, "/o/{provider:[^/.]+}/", providers::social);
    endpoint(cfg, "/admin/users/", console::accounts);
    endpoint(cfg, "/admin/users/{id:[^/.]+}/", console::account);
    endpoint(cfg, "/admin/users/{id:[^/.]+}/{action:[^/.]+}/", console::action);
    endpoint(cfg, "/admin/audit/", console::trail);
    endpoint(cfg, "/schema/", openapi::serve);
    endpoint(cfg, "/users/{id:[^/.]+}/", users::detail);
    endpoint(cfg, "/users/{id:[^/.]+}/sessions/", sessions::user_list);
    endpoint(cfg, "/users/{id:[^/.]+}/mfa/", mfa::reset);
    endpoint(cfg, "/users/{id:[^/.]+}/sessions/revoke/", sessions::user_revoke);
    endpoint(cfg, "/users/{id:[^/.]+}/sessions/{sid:[^/.]+}/", sessions::user_one);
}

/// Every path of the route table, as the OpenAPI document names them (tested to match).
pub const PATHS: &[&str] = &[
    "/auth/",
    "/auth/jwt/create/",
    "/auth/jwt/refresh/",
    "/auth/jwt/verify/",
    "/auth/jwt/blacklist/",
    "/auth/jwt/mfa/",
    "/auth/jwt/passkey/options/",
    "/auth/jwt/passkey/",
    "/auth/token/login/",
    "/auth/token/logout/",
    "/auth/o/",
    "/auth/users/",
    "/auth/users/me/",
    "/auth/users/me/sessions/",
    "/auth/users/me/sessions/revoke/",
    "/auth/users/me/sessions/{sid}/",
    "/auth/users/me/mfa/",
    "/auth/users/me/mfa/totp/",
    "/auth/users/me/mfa/totp/confirm/",
    "/auth/users/me/mfa/recovery_codes/",
    "/auth/users/me/mfa/passkeys/",
    "/auth/users/me/mfa/passkeys/confirm/",
    "/auth/users/me/mfa/passkeys/assertion/",
    "/auth/users/me/mfa/{factor}/",
    "/auth/users/me/providers/",
    "/auth/users/me/providers/{provider}/",
    "/auth/users/me/activity/",
    "/auth/users/activation/",
    "/auth/users/resend_activation/",
    "/auth/users/set_password/",
    "/auth/users/reset_password/",
    "/auth/users/reset_password_confirm/",
    "/auth/users/set_username/",
    "/auth/users/reset_username/",
    "/auth/users/reset_username_confirm/",
    "/auth/users/revert_email/",
    "/auth/o/{provider}/",
    "/auth/admin/users/",
    "/auth/admin/users/{id}/",
    "/auth/admin/users/{id}/{action}/",
    "/auth/admin/audit/",
    "/auth/schema/",
    "/auth/users/{id}/",
    "/auth/users/{id}/sessions/",
    "/auth/users/{id}/mfa/",
    "/auth/users/{id}/sessions/revoke/",
    "/auth/users/{id}/sessions/{sid}/",
];

/// A route answering at `path` and at `path` without its trailing slash. Two resources with
/// one pattern each: a resource with several patterns is matched by regular expression, which
/// showed up in the profile of every request. Each carries its name for the request log.
fn endpoint<F, Args>(cfg: &mut web::ServiceConfig, path: &str, handler: F)
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let slashless = path.trim_end_matches('/');
    cfg.service(web::resource(path).app_data(RouteName::of_pattern(&format!("{API}{path}"))).to(handler.clone()));
    cfg.service(web::resource(slashless).app_data(RouteName::of_pattern(&format!("{API}{slashless}"))).to(handler));
}

/// Anything unknown under `/auth/`.
async fn not_found() -> HttpResponse {
    error_response(&ApiError::not_found(), None)
}
