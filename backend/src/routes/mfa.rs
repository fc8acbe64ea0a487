//! The signed-in user's second factors: `users/me/mfa/` lists them, `users/me/mfa/totp/` starts
//! adding an authenticator app and `users/me/mfa/totp/confirm/` makes it active with its first
//! code; `users/me/mfa/passkeys/` and `…/passkeys/confirm/` add a passkey, and
//! `…/passkeys/assertion/` starts confirming a change with one. (The second step of a sign-in
//! is `jwt/mfa/`, and a sign-in by passkey `jwt/passkey/`, in `jwt.rs`.)

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;
use crate::flows::mfa::{self, Reauthentication};
use crate::flows::passkeys::{self, Assertion};
use crate::flows::sessions;
use crate::flows::sign_in::Bearer;
use crate::http::fields::{optional_blank, Form, OPTIONAL, REQUIRED};
use crate::http::json;
use crate::http::route::{metadata, not_allowed, serve, Route, POST_ONLY};
use crate::routes::request::{input, nested_assertion, not_stored, signed_in, signed_in_action};
use crate::state::AppState;

const LIST: Route = Route { name: "Second Factor List", allow: "GET, HEAD, OPTIONS" };
const TOTP: Route = Route { name: "Authenticator App", allow: POST_ONLY };
const CONFIRM: Route = Route { name: "Authenticator App Confirm", allow: POST_ONLY };
const ONE: Route = Route { name: "Second Factor Instance", allow: "PATCH, DELETE, OPTIONS" };
const PASSKEYS: Route = Route { name: "Passkey", allow: POST_ONLY };
const PASSKEY_CONFIRM: Route = Route { name: "Passkey Confirm", allow: POST_ONLY };
const PASSKEY_ASSERTION: Route = Route { name: "Passkey Assertion", allow: POST_ONLY };
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
    signed_in_action(&TOTP, &request, payload, &state, async |Bearer { user, session }, _| {
        sessions::check_recent_sign_in(&state, user.id, session.as_deref()).await?;
        Ok(not_stored(json::respond(actix_web::http::StatusCode::CREATED, &mfa::enrol_totp(&state, &user).await?)))
    })
    .await
}

/// `POST users/me/mfa/totp/confirm/`: `id` and `code`.
pub async fn confirm(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    signed_in_action(&CONFIRM, &request, payload, &state, async |Bearer { user, .. }, input| {
        let mut form = Form::new(&input);
        let id = form.text("id", REQUIRED).unwrap_or_default();
        let code = form.text("code", REQUIRED).unwrap_or_default();
        form.finish()?;
        Ok(not_stored(json::ok(&mfa::confirm_totp(&state, &user, &id, &code).await?)))
    })
    .await
}

/// `PATCH users/me/mfa/{id}/`: `name`; `DELETE`: one of `current_password`, `code` and
/// `passkey`.
pub async fn one(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    serve(&ONE, &request, async {
        let user = signed_in(&request, &state).await?;
        let renaming = match *request.method() {
            Method::PATCH => true,
            Method::DELETE => false,
            Method::OPTIONS => return Ok(metadata(&ONE)),
            _ => return Err(not_allowed(&request)),
        };
        let input = input(&request, payload, &state).await?;
        let mut form = Form::new(&input);
        if renaming {
            let name = form.text("name", NAME);
            form.finish()?;
            return Ok(json::ok(&mfa::rename(&state, &user, &path, &name.unwrap_or_default()).await?));
        }
        let proof = reauthentication(form)?;
        mfa::remove(&state, &user, &path, proof).await?;
        Ok(json::no_content())
    })
    .await
}

/// A factor's name: required, at most 64 characters.
const NAME: crate::http::fields::Spec =
    crate::http::fields::Spec { required: true, allow_blank: false, max_length: Some(mfa::NAME_MAX) };

/// How the requester confirms a change: `current_password`, or a fresh `code` or `passkey`.
fn reauthentication(mut form: Form<'_>) -> Result<Reauthentication, ApiError> {
    let current_password = form.text("current_password", OPTIONAL);
    let code = form.text("code", OPTIONAL);
    let passkey = form.object("passkey", false).map(|passkey| nested_assertion(&passkey));
    form.finish()?;
    let passkey = passkey.transpose()?;
    Reauthentication::of(current_password, code, passkey)
}

/// `POST users/me/mfa/recovery_codes/`: one of `current_password`, `code` and `passkey`.
pub async fn recovery_codes(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    signed_in_action(&RECOVERY_CODES, &request, payload, &state, async |Bearer { user, .. }, input| {
        let proof = reauthentication(Form::new(&input))?;
        Ok(not_stored(json::ok(&mfa::replace_recovery_codes(&state, &user, proof).await?)))
    })
    .await
}

/// `POST users/me/mfa/passkeys/`: the options of a new passkey.
pub async fn passkeys(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    signed_in_action(&PASSKEYS, &request, payload, &state, async |Bearer { user, session }, _| {
        sessions::check_recent_sign_in(&state, user.id, session.as_deref()).await?;
        let options = passkeys::begin_registration(&state, &user).await?;
        Ok(not_stored(json::respond(actix_web::http::StatusCode::CREATED, &options)))
    })
    .await
}

/// `POST users/me/mfa/passkeys/confirm/`: `id`, `credential` and an optional `name`.
pub async fn passkey_confirm(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    signed_in_action(&PASSKEY_CONFIRM, &request, payload, &state, async |Bearer { user, .. }, input| {
        let mut form = Form::new(&input);
        let id = form.text("id", REQUIRED);
        let credential = form.object("credential", true);
        let name = form.text("name", optional_blank(mfa::NAME_MAX));
        form.finish()?;
        let answer = Assertion {
            id: id.unwrap_or_default(),
            credential: serde_json::Value::Object(credential.unwrap_or_default()),
        };
        Ok(not_stored(json::respond(
            actix_web::http::StatusCode::CREATED,
            &mfa::confirm_passkey(&state, &user, answer, name).await?,
        )))
    })
    .await
}

/// `POST users/me/mfa/passkeys/assertion/`: the options of confirming a change by passkey.
pub async fn passkey_assertion(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    signed_in_action(&PASSKEY_ASSERTION, &request, payload, &state, async |Bearer { user, .. }, _| {
        Ok(not_stored(json::ok(&passkeys::begin_reauthentication(&state, &user).await?)))
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
