//! SimpleJWT's token views: create (sign in), refresh, verify and blacklist (sign out). With
//! the cookie-mode header (`http/token_cookie.rs`), the refresh token travels in a cookie
//! instead of the body.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::SecretString;
use serde::Serialize;

use crate::error::ApiError;
use crate::flows::mfa::{self, Proof};
use crate::flows::passkeys;
use crate::flows::sign_in::{self, Credentials, Refreshed, SignInOutcome, SignedIn};
use crate::http::fields::{Form, OPTIONAL, REQUIRED};
use crate::http::json;
use crate::http::route::{Route, POST_ONLY};
use crate::http::token_cookie;
use crate::routes::request::{
    assertion_in, client, login_answer_as, nested_assertion, not_stored, set_cookie, token_view,
};
use crate::state::AppState;
use crate::throttle::Scope;

const CREATE: Route = Route { name: "Token Obtain Pair", allow: POST_ONLY };
const REFRESH: Route = Route { name: "Token Refresh", allow: POST_ONLY };
const VERIFY: Route = Route { name: "Token Verify", allow: POST_ONLY };
const BLACKLIST: Route = Route { name: "Token Blacklist", allow: POST_ONLY };
const MFA: Route = Route { name: "Second Factor", allow: POST_ONLY };
const PASSKEY_OPTIONS: Route = Route { name: "Passkey Sign In Options", allow: POST_ONLY };
const PASSKEY: Route = Route { name: "Passkey Sign In", allow: POST_ONLY };

/// `POST jwt/create/`: username and password for a token pair and the user.
pub async fn create(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    token_view(&CREATE, &request, payload, &state, Some(Scope::LoginAddress), async |input| {
        let mut form = Form::new(&input);
        let username = form.text("username", REQUIRED).unwrap_or_default();
        let password = form.text("password", REQUIRED).unwrap_or_default();
        form.finish()?;
        let credentials = Credentials { username, password: SecretString::from(password) };
        match sign_in::sign_in(&state, credentials, &client(&request, &state)).await? {
            SignInOutcome::SignedIn(signed_in) => Ok(login_answer(&request, &state, signed_in)),
            SignInOutcome::SecondStep(step) => Ok(not_stored(json::ok(&step))),
        }
    })
    .await
}

/// `POST jwt/mfa/`: the second step of a sign-in, with a code, a recovery code or a passkey.
pub async fn mfa(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    token_view(&MFA, &request, payload, &state, Some(Scope::LoginAddress), async |input| {
        let mut form = Form::new(&input);
        let token = form.text("mfa_token", REQUIRED).unwrap_or_default();
        let code = form.text("code", OPTIONAL);
        let recovery_code = form.text("recovery_code", OPTIONAL);
        let passkey = form.object("passkey", false).map(|passkey| nested_assertion(&passkey));
        form.finish()?;
        let proof = Proof::of(code, recovery_code, passkey.transpose()?)?;
        let signed_in = mfa::finish(&state, &token, proof, &client(&request, &state)).await?;
        Ok(login_answer(&request, &state, signed_in))
    })
    .await
}

/// `POST jwt/passkey/options/`: the options of a sign-in by passkey; with `mfa_token`, of a
/// password sign-in's second step.
pub async fn passkey_options(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    token_view(&PASSKEY_OPTIONS, &request, payload, &state, Some(Scope::LoginAddress), async |input| {
        let mut form = Form::new(&input);
        let mfa_token = form.text("mfa_token", OPTIONAL);
        form.finish()?;
        Ok(not_stored(json::ok(&passkeys::begin_sign_in(&state, mfa_token.as_deref()).await?)))
    })
    .await
}

/// `POST jwt/passkey/`: a sign-in by a passkey alone: `id` and `credential`.
pub async fn passkey(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    token_view(&PASSKEY, &request, payload, &state, Some(Scope::LoginAddress), async |input| {
        let answer = assertion_in(input.fields())?;
        let signed_in = passkeys::sign_in(&state, answer, &client(&request, &state)).await?;
        Ok(login_answer(&request, &state, signed_in))
    })
    .await
}

fn login_answer(request: &HttpRequest, state: &AppState, signed_in: SignedIn) -> HttpResponse {
    login_answer_as(request, state, signed_in, StatusCode::OK, false)
}

/// The one field of refresh and blacklist; in cookie mode, the cookie stands in for it.
fn refresh_token(request: &HttpRequest, input: &crate::http::body::Input) -> Result<String, ApiError> {
    if !input.contains("refresh") {
        if let Some(token) = token_cookie::refresh_token(request) {
            return Ok(token);
        }
    }
    let mut form = Form::new(input);
    let token = form.text("refresh", REQUIRED).unwrap_or_default();
    form.finish()?;
    Ok(token)
}

#[derive(Serialize)]
struct RefreshAnswer {
    access: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh: Option<String>,
}

/// `POST jwt/refresh/`: a new access token and, with rotation, a new refresh token.
pub async fn refresh(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let in_cookie = token_cookie::is_requested(&request);
    token_view(&REFRESH, &request, payload, &state, None, async |input| {
        let Refreshed { access, refresh } =
            sign_in::refresh(&state, &refresh_token(&request, &input)?, &client(&request, &state)).await?;
        if !in_cookie {
            return Ok(not_stored(json::ok(&RefreshAnswer { access, refresh })));
        }
        let mut response = not_stored(json::ok(&RefreshAnswer { access, refresh: None }));
        if let Some(rotated) = &refresh {
            set_cookie(&state, &mut response, Some(rotated));
        }
        Ok(response)
    })
    .await
    // A refused cookie is left alone: another tab's refresh may have just replaced it, and
    // this answer may arrive after that one.
}

/// `POST jwt/verify/`: whether a token of any type is valid.
pub async fn verify(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    token_view(&VERIFY, &request, payload, &state, None, async |input| {
        let mut form = Form::new(&input);
        let token = form.text("token", REQUIRED).unwrap_or_default();
        form.finish()?;
        sign_in::verify(&state, &token).await?;
        Ok(json::empty_object())
    })
    .await
}

/// `POST jwt/blacklist/`: signs a refresh token out.
pub async fn blacklist(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let mut response = token_view(&BLACKLIST, &request, payload, &state, None, async |input| {
        sign_in::sign_out(&state, &refresh_token(&request, &input)?).await?;
        Ok(json::empty_object())
    })
    .await;
    // Signed out, or the token was no good anyway: either way the cookie goes.
    if token_cookie::is_requested(&request) && response.status() != StatusCode::METHOD_NOT_ALLOWED {
        set_cookie(&state, &mut response, None);
    }
    response
}
