//! What handlers share before their own work: who sends a request, its body, the throttle of
//! its client address, and the two shapes of a POST-only view (a Djoser action, a SimpleJWT
//! token view).

use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use serde::Serialize;

use crate::domain::user::{User, UserView};
use crate::error::ApiError;
use crate::flows;
use crate::flows::passkeys::{self, Assertion};
use crate::flows::sessions::Client;
use crate::flows::sign_in::{Bearer, SignedIn};
use crate::http::authorization::{api_token, bearer_token};
use crate::http::body::{self, Input};
use crate::http::client::{client_address, origin_of};
use crate::http::fields::{Form, REQUIRED};
use crate::http::json;
use crate::http::route::{self, metadata, not_allowed, Route};
use crate::http::token_cookie;
use crate::state::AppState;
use crate::throttle::Scope;

/// Who a request comes from (SimpleJWT's `JWTAuthentication`): `None` if anonymous, or the 401
/// SimpleJWT would answer. It runs before any permission check on every API endpoint but the
/// token endpoints, so a bad `Authorization` header is a 401 even where none is needed.
pub async fn requester(request: &HttpRequest, state: &AppState) -> Result<Option<User>, ApiError> {
    Ok(bearer(request, state).await?.map(|bearer| bearer.user))
}

/// [`requester`] with the session the access token belongs to. DRF's authentication classes
/// in order: SimpleJWT's, then (with `TOKEN_AUTH`) DRF's `TokenAuthentication`, which claims
/// the headers SimpleJWT leaves alone.
pub async fn bearer(request: &HttpRequest, state: &AppState) -> Result<Option<Bearer>, ApiError> {
    let header_value = request.headers().get(header::AUTHORIZATION).map(|value| value.as_bytes());
    let features = state.features();
    if let Some(token) = bearer_token(header_value, &features.auth_header_types)? {
        return flows::sign_in::bearer_of_access_token(state, token).await.map(Some);
    }
    if !features.token_auth {
        return Ok(None);
    }
    match api_token(header_value)? {
        Some(key) => Ok(Some(Bearer { user: flows::api_tokens::user_of_key(state, key).await?, session: None })),
        None => Ok(None),
    }
}

/// Where a request comes from, for the session it starts or continues.
pub fn client(request: &HttpRequest, state: &AppState) -> Client {
    origin_of(request, &state.settings.throttling.trusted_proxies)
}

/// A query string's value of `name` (the last one, as Django's `QueryDict.get`).
pub fn query_value(request: &HttpRequest, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(request.query_string()).unwrap_or_default();
    pairs.into_iter().rev().find(|(key, _)| key == name).map(|(_, value)| value)
}

/// The signed-in user, or 401 for an anonymous request.
pub async fn signed_in(request: &HttpRequest, state: &AppState) -> Result<User, ApiError> {
    requester(request, state).await?.ok_or_else(ApiError::not_authenticated)
}

/// The submitted fields, once the body is read (for the views that read one).
pub async fn input(request: &HttpRequest, payload: web::Payload, state: &AppState) -> Result<Input, ApiError> {
    Input::parse(request, &body::read(payload, state.settings.request_body_timeout).await?)
}

/// Counts a request against its client address's limit in `scope` (the address is only read
/// when throttling is on).
pub async fn throttle_address(request: &HttpRequest, state: &AppState, scope: Scope) -> Result<(), ApiError> {
    if !state.throttle.is_on() {
        return Ok(());
    }
    let address = client_address(request, &state.settings.throttling.trusted_proxies);
    state.throttle.hit(scope, &address).await
}

/// A Djoser action route (POST only) that anyone may take: the requester is authenticated
/// first; other methods fall back to the `user` permission, so an anonymous caller gets 401
/// before the 405. Then the client address's `throttle`, then the body, then `run`.
pub async fn action(
    route: &Route,
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    throttle: Option<Scope>,
    run: impl AsyncFnOnce(Option<Bearer>, Input) -> Result<HttpResponse, ApiError>,
) -> HttpResponse {
    route::serve(route, request, async {
        let requester = bearer(request, state).await?;
        if let Some(answer) = allowed(route, request, requester.is_some())? {
            return Ok(answer);
        }
        if let Some(scope) = throttle {
            throttle_address(request, state, scope).await?;
        }
        run(requester, input(request, payload, state).await?).await
    })
    .await
}

/// An action route (POST only) for a signed-in requester: as [`action`], with an anonymous
/// POST answered 401 before the body is read, as DRF checks permissions before a serializer
/// reads `request.data`.
pub async fn signed_in_action(
    route: &Route,
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    run: impl AsyncFnOnce(Bearer, Input) -> Result<HttpResponse, ApiError>,
) -> HttpResponse {
    route::serve(route, request, async {
        let requester = bearer(request, state).await?;
        if let Some(answer) = allowed(route, request, requester.is_some())? {
            return Ok(answer);
        }
        let requester = requester.ok_or_else(ApiError::not_authenticated)?;
        run(requester, input(request, payload, state).await?).await
    })
    .await
}

/// An action route's methods: a POST goes on (`None`), OPTIONS is answered with the route's
/// metadata, anything else is 405, or 401 for an anonymous caller.
fn allowed(route: &Route, request: &HttpRequest, signed_in: bool) -> Result<Option<HttpResponse>, ApiError> {
    match *request.method() {
        Method::POST => Ok(None),
        _ if !signed_in => Err(ApiError::not_authenticated()),
        Method::OPTIONS => Ok(Some(metadata(route))),
        _ => Err(not_allowed(request)),
    }
}

/// A SimpleJWT token view (POST only, no authentication: an `Authorization` header is
/// ignored): the body, then the client address's `throttle`, then `run`.
pub async fn token_view(
    route: &Route,
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    throttle: Option<Scope>,
    run: impl AsyncFnOnce(Input) -> Result<HttpResponse, ApiError>,
) -> HttpResponse {
    route::serve(route, request, async {
        match *request.method() {
            Method::POST => {}
            Method::OPTIONS => return Ok(metadata(route)),
            _ => return Err(not_allowed(request)),
        }
        let input = input(request, payload, state).await?;
        if let Some(scope) = throttle {
            throttle_address(request, state, scope).await?;
        }
        run(input).await
    })
    .await
}

/// The `{"id": …, "credential": {…}}` of a passkey's answer.
pub fn assertion_in(fields: &serde_json::Map<String, serde_json::Value>) -> Result<Assertion, ApiError> {
    let input = crate::http::body::Input::from_map(fields.clone());
    let mut form = Form::new(&input);
    let id = form.text("id", REQUIRED);
    let credential = form.object("credential", true);
    form.finish()?;
    Ok(Assertion { id: id.unwrap_or_default(), credential: serde_json::Value::Object(credential.unwrap_or_default()) })
}

/// The same, inside a `passkey` field: any problem is the field's.
pub fn nested_assertion(fields: &serde_json::Map<String, serde_json::Value>) -> Result<Assertion, ApiError> {
    assertion_in(fields).map_err(|_| passkeys::misshapen("passkey"))
}

/// Answers that carry tokens, keys or recovery codes must not be kept by any cache.
pub fn not_stored(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

#[derive(Serialize)]
struct LoginAnswer<'a> {
    /// In the body unless it travels in the cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh: Option<&'a str>,
    access: &'a str,
    /// Djoser's social view names the user (`str(user)`, the username).
    #[serde(rename = "user", skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    #[serde(flatten)]
    user: UserView<'a>,
}

/// The answer of a finished sign-in: the token pair (the refresh token in its cookie in cookie
/// mode) and the user, with `status` and, for Djoser's social view, `user` (the username).
pub fn login_answer_as(
    request: &HttpRequest,
    state: &AppState,
    SignedIn { tokens, user }: SignedIn,
    status: StatusCode,
    with_username: bool,
) -> HttpResponse {
    let in_cookie = token_cookie::is_requested(request);
    let refresh = (!in_cookie).then_some(tokens.refresh.as_str());
    let username = with_username.then_some(user.username.as_str());
    let answer = LoginAnswer { refresh, access: &tokens.access, username, user: user.view() };
    let mut response = not_stored(json::respond(status, &answer));
    if in_cookie {
        set_cookie(state, &mut response, Some(&tokens.refresh));
    }
    response
}

/// Sets (or, with `None`, removes) the refresh token's cookie.
pub fn set_cookie(state: &AppState, response: &mut HttpResponse, token: Option<&str>) {
    token_cookie::set(response, token, state.features().refresh_token_lifetime, secure_cookies(state));
}

/// Whether cookies are marked `Secure`: when the app is served over HTTPS.
pub fn secure_cookies(state: &AppState) -> bool {
    state.settings.frontend_url.starts_with("https://")
}
