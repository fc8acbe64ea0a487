//! SimpleJWT's token views: create (login), refresh, verify and blacklist (logout). They do
//! not authenticate the request; an `Authorization` header is ignored.

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::SecretString;
use serde::Serialize;

use crate::auth::authenticate::user_id_of;
use crate::auth::jwt::{Claims, TokenType};
use crate::auth::password::Verification;
use crate::clock;
use crate::domain::user::UserView;
use crate::error::ApiError;
use crate::http::body::{self, Input};
use crate::http::fields::{Form, REQUIRED};
use crate::http::json;
use crate::http::route::{metadata, not_allowed, serve, Route, POST_ONLY};
use crate::messages;
use crate::state::AppState;
use crate::store::blacklist::RefreshRecord;
use crate::throttle::{self, Scope};

const CREATE: Route = Route { name: "Token Obtain Pair", allow: POST_ONLY };
const REFRESH: Route = Route { name: "Token Refresh", allow: POST_ONLY };
const VERIFY: Route = Route { name: "Token Verify", allow: POST_ONLY };
const BLACKLIST: Route = Route { name: "Token Blacklist", allow: POST_ONLY };

/// The input of a token view, after its method check.
async fn read_input(
    route: &Route,
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<Result<Input, HttpResponse>, ApiError> {
    match *request.method() {
        Method::POST => {}
        Method::OPTIONS => return Ok(Err(metadata(route))),
        _ => return Err(not_allowed(request)),
    }
    let body = body::read(payload).await?;
    Ok(Ok(Input::parse(request, &body)?))
}

macro_rules! input_or_answer {
    ($route:expr, $request:expr, $payload:expr) => {
        match read_input($route, $request, $payload).await? {
            Ok(input) => input,
            Err(answer) => return Ok(answer),
        }
    };
}

/// Answers that carry tokens must not be kept by any cache.
fn not_stored(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

#[derive(Serialize)]
struct LoginAnswer<'a> {
    refresh: &'a str,
    access: &'a str,
    #[serde(flatten)]
    user: UserView<'a>,
}

/// `POST jwt/create/`: username and password for a token pair and the user.
pub async fn create(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&CREATE, &request, async {
        let input = input_or_answer!(&CREATE, &request, payload);
        throttle::per_address(&state, &request, Scope::LoginAddress).await?;
        let mut form = Form::new(&input);
        let username = form.text("username", REQUIRED);
        let password = form.text("password", REQUIRED);
        form.finish()?;
        let (username, password) = (username.unwrap_or_default(), password.unwrap_or_default());
        // Only failed attempts count against a username, so an attacker cannot use up the
        // owner's successful ones.
        throttle::check(&state, Scope::LoginUsername, &username).await?;

        let user = state.store.find_user_by_username(&username).await?;
        let stored = user.as_ref().map(|user| user.password.clone());
        let verification = state.passwords.verify(stored, SecretString::from(password)).await?;
        let Some(user) = user.filter(|_| verification.is_match()) else {
            throttle::count(&state, Scope::LoginUsername, &username).await?;
            return Err(ApiError::no_active_account());
        };
        if let Verification::Match { rehashed: Some(hash) } = &verification {
            state.store.set_password(user.id, hash).await?;
        }
        if !user.is_active {
            return Err(ApiError::no_active_account());
        }
        let pair = state.jwt.issue_pair(user.id, clock::now_seconds());
        tracing::info!(user_id = user.id, "signed in");
        Ok(not_stored(json::ok(&LoginAnswer { refresh: &pair.refresh, access: &pair.access, user: user.view() })))
    })
    .await
}

/// A refresh token checked as SimpleJWT's `RefreshToken(...)` does: signature and times, the
/// blacklist, then `exp`, `jti` and the type. With `detect_reuse`, a blacklisted token is
/// also treated as a possible theft.
async fn valid_refresh_token(state: &AppState, token: &str, detect_reuse: bool) -> Result<Claims, ApiError> {
    let claims = state.jwt.decode(token.as_bytes(), clock::now_fractional()).map_err(ApiError::token_not_valid)?;
    let Some(jti) = claims.jti() else { return Err(ApiError::token_not_valid(messages::TOKEN_NO_ID)) };
    if state.store.is_blacklisted(jti).await? {
        if detect_reuse {
            revoke_if_reused(state, jti).await?;
        }
        return Err(ApiError::token_not_valid(messages::TOKEN_BLACKLISTED));
    }
    claims.check(Some(TokenType::Refresh)).map_err(ApiError::token_not_valid)?;
    Ok(claims)
}

/// A rotated refresh token presented again is a sign that it was stolen: unless it was
/// rotated within the grace period (two tabs refreshing at once), every token of its family
/// is revoked, the thief's and the owner's alike, and the owner signs in again.
async fn revoke_if_reused(state: &AppState, jti: &str) -> Result<(), ApiError> {
    let features = state.features();
    if !features.refresh_reuse_detection {
        return Ok(());
    }
    let now = clock::now_seconds();
    let Some(spent_at) = state.store.blacklisted_at(jti).await? else { return Ok(()) };
    if now - spent_at >= features.refresh_reuse_grace {
        let revoked = state.store.revoke_descendants_of(jti, now).await?;
        if revoked > 0 {
            tracing::warn!(revoked, "a rotated refresh token was reused; its family is revoked");
        }
    }
    Ok(())
}

/// The record of a checked refresh token.
fn record_of(claims: &Claims) -> RefreshRecord<'_> {
    RefreshRecord {
        jti: claims.jti().expect("checked tokens have a jti"),
        user_id: claims.user_id().and_then(user_id_of),
        expires_at: claims.exp().unwrap_or_default(),
    }
}

/// Blacklists a checked refresh token and records its successor; losing a race to another
/// request counts as already blacklisted, so one token is only ever spent once.
async fn spend(state: &AppState, claims: &Claims, successor: Option<RefreshRecord<'_>>) -> Result<(), ApiError> {
    if state.store.spend_refresh_token(record_of(claims), successor, clock::now_seconds()).await? {
        Ok(())
    } else {
        Err(ApiError::token_not_valid(messages::TOKEN_BLACKLISTED))
    }
}

#[derive(Serialize)]
struct RefreshAnswer {
    access: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh: Option<String>,
}

/// `POST jwt/refresh/`: a new access token and, with rotation, a new refresh token.
pub async fn refresh(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&REFRESH, &request, async {
        let input = input_or_answer!(&REFRESH, &request, payload);
        let mut form = Form::new(&input);
        let token = form.text("refresh", REQUIRED);
        form.finish()?;
        let claims = valid_refresh_token(&state, &token.unwrap_or_default(), true).await?;

        if claims.user_id().is_some_and(is_truthy_id) {
            let user = match claims.user_id().and_then(user_id_of) {
                Some(id) => state.store.find_user(id).await?,
                None => None,
            };
            if !user.is_some_and(|user| user.is_active) {
                return Err(ApiError::no_active_account_for_token());
            }
        }
        let features = state.features();
        let now = clock::now_seconds();
        let access = state.jwt.access_from(&claims, now);
        let refresh = if features.rotate_refresh_tokens {
            let (token, jti, expires_at) = state.jwt.rotate(&claims, now);
            if features.blacklist_after_rotation {
                let successor = RefreshRecord { jti: &jti, user_id: record_of(&claims).user_id, expires_at };
                if let Err(error) = spend(&state, &claims, Some(successor)).await {
                    revoke_if_reused(&state, record_of(&claims).jti).await?;
                    return Err(error);
                }
            }
            Some(token)
        } else {
            None
        };
        Ok(not_stored(json::ok(&RefreshAnswer { access, refresh })))
    })
    .await
}

/// Python truthiness of a `user_id` claim: SimpleJWT skips the user check for `""`, `0`, …
fn is_truthy_id(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => false,
        serde_json::Value::Bool(flag) => *flag,
        serde_json::Value::Number(number) => number.as_f64() != Some(0.0),
        serde_json::Value::String(text) => !text.is_empty(),
        serde_json::Value::Array(items) => !items.is_empty(),
        serde_json::Value::Object(map) => !map.is_empty(),
    }
}

/// `POST jwt/verify/`: whether a token of any type is valid (and, with blacklisting on, not
/// blacklisted).
pub async fn verify(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&VERIFY, &request, async {
        let input = input_or_answer!(&VERIFY, &request, payload);
        let mut form = Form::new(&input);
        let token = form.text("token", REQUIRED);
        form.finish()?;
        let token = token.unwrap_or_default();
        let claims = state.jwt.decode(token.as_bytes(), clock::now_fractional()).map_err(ApiError::token_not_valid)?;
        claims.check(None).map_err(ApiError::token_not_valid)?;
        // Only refresh tokens are ever blacklisted, so an access token needs no lookup.
        if state.features().blacklist_after_rotation && !claims.is_of_type(TokenType::Access) {
            if let Some(jti) = claims.jti() {
                if state.store.is_blacklisted(jti).await? {
                    return Err(ApiError::non_field(messages::TOKEN_BLACKLISTED));
                }
            }
        }
        Ok(json::empty_object())
    })
    .await
}

/// `POST jwt/blacklist/`: logs a refresh token out.
pub async fn blacklist(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    serve(&BLACKLIST, &request, async {
        let input = input_or_answer!(&BLACKLIST, &request, payload);
        let mut form = Form::new(&input);
        let token = form.text("refresh", REQUIRED);
        form.finish()?;
        let claims = valid_refresh_token(&state, &token.unwrap_or_default(), false).await?;
        spend(&state, &claims, None).await?;
        Ok(json::empty_object())
    })
    .await
}
