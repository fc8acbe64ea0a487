//! The browser's half of a sign-in sent to an identity provider by a browser app (in cookie
//! mode, `token_cookie.rs`): a secret in an `HttpOnly; SameSite=Lax` cookie, set when the
//! sign-in (or a link) starts and needed with the `state` when the browser comes back. A `state`
//! alone could be finished from any browser it is sent to: someone could start a sign-in with
//! their own account and send the address the provider sent them back to on to another person,
//! whose app would then sign them in as that someone, or link that someone's provider account
//! to theirs. (Djoser keeps the state in the Django session, bound to its cookie; API clients,
//! which Gatehouse serves without one, are not led to addresses by others.)

use actix_web::cookie::SameSite;
use actix_web::{HttpRequest, HttpResponse};

use crate::http::token_cookie::set_http_only;

/// The cookie's name, and the only path it is sent to: the endpoint that finishes a sign-in.
pub const NAME: &str = "gatehouse_provider";
pub const PATH: &str = "/auth/o/";

/// The secret the request's cookie holds.
pub fn secret(request: &HttpRequest) -> Option<String> {
    request.cookie(NAME).map(|cookie| cookie.value().to_owned())
}

/// Sets the cookie to `secret` for `max_age` seconds (`Secure` when the app is served over
/// HTTPS), or removes it when `secret` is `None`.
pub fn set(response: &mut HttpResponse, secret: Option<&str>, max_age: i64, secure: bool) {
    set_http_only(response, (NAME, PATH, SameSite::Lax), secret, max_age, secure);
}
