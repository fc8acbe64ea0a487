//! Cookie mode, for browser apps: the refresh token travels in an `HttpOnly; SameSite=Strict`
//! cookie scoped to the token endpoints instead of the JSON body, so no page script can read
//! it. A client opts in per request with the [`TRANSPORT`] header, which a cross-site form
//! cannot send (and a cross-site script cannot either, without a CORS grant Gatehouse never
//! gives); without the header the cookie is ignored and the body is Djoser's.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::{HeaderValue, SET_COOKIE};
use actix_web::{HttpRequest, HttpResponse};

/// The opt-in header, and the one value it takes.
pub const TRANSPORT: &str = "x-token-transport";
pub const COOKIE_MODE: &str = "cookie";
/// The cookie's name, and the only path it is sent to.
pub const NAME: &str = "gatehouse_refresh";
pub const PATH: &str = "/auth/jwt/";

/// Whether the request asks for cookie mode.
pub fn is_requested(request: &HttpRequest) -> bool {
    request.headers().get(TRANSPORT).is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(COOKIE_MODE.as_bytes()))
}

/// The refresh token the request's cookie holds, in cookie mode.
pub fn refresh_token(request: &HttpRequest) -> Option<String> {
    is_requested(request).then(|| request.cookie(NAME).map(|cookie| cookie.value().to_owned())).flatten()
}

/// Sets the cookie to `token` for `max_age` seconds (`Secure` when the app is served over
/// HTTPS), or removes it when `token` is `None`.
pub fn set(response: &mut HttpResponse, token: Option<&str>, max_age: i64, secure: bool) {
    set_http_only(response, (NAME, PATH, SameSite::Strict), token, max_age, secure);
}

/// Sets the `HttpOnly` cookie named `name`, sent to `path` only, to `value` for `max_age`
/// seconds (`Secure` when the app is served over HTTPS), or removes it when `value` is `None`.
pub fn set_http_only(
    response: &mut HttpResponse,
    (name, path, same_site): (&'static str, &'static str, SameSite),
    value: Option<&str>,
    max_age: i64,
    secure: bool,
) {
    let mut cookie = Cookie::build(name, value.unwrap_or_default())
        .path(path)
        .http_only(true)
        .same_site(same_site)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::seconds(if value.is_some() { max_age } else { 0 }))
        .finish();
    if value.is_none() {
        cookie.make_removal();
    }
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}
