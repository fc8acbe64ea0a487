//! Identity providers: `o/` lists them; `o/{provider}/` is Djoser's social view (GET for the
//! authorization URL, POST with the provider's `code` and `state`); `users/me/providers/` lists
//! the signed-in person's links, and `users/me/providers/{provider}/` starts a link (POST) or
//! removes one (DELETE). Outside `/auth/`, a provider's posted answer to the app's callback
//! page is turned into the page's address.

use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;
use crate::flows::providers::{self, Finished};
use crate::flows::sessions;
use crate::flows::sign_in::Bearer;
use crate::http::fields::{Form, OPTIONAL, REQUIRED};
use crate::http::json;
use crate::http::route::{metadata, not_allowed, serve, Route};
use crate::http::{provider_cookie, token_cookie};
use crate::routes::request::{
    bearer, client, input, login_answer_as, not_stored, query_value, secure_cookies, signed_in, throttle_address,
};
use crate::state::AppState;
use crate::throttle::Scope;

const LIST: Route = Route { name: "Provider List", allow: "GET, HEAD, OPTIONS" };
const SOCIAL: Route = Route { name: "Provider Auth", allow: "GET, POST, HEAD, OPTIONS" };
const LINKS: Route = Route { name: "Connected Account List", allow: "GET, HEAD, OPTIONS" };
const LINK: Route = Route { name: "Connected Account", allow: "POST, DELETE, OPTIONS" };

pub async fn list(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    serve(&LIST, &request, async {
        match *request.method() {
            Method::GET | Method::HEAD => Ok(json::ok(&providers::list(&state))),
            Method::OPTIONS => Ok(metadata(&LIST)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

pub async fn social(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    serve(&SOCIAL, &request, async {
        let name = path.as_str();
        match *request.method() {
            Method::GET | Method::HEAD => {
                let redirect_uri = query_value(&request, "redirect_uri").unwrap_or_default();
                providers::check_redirect(&state, name, &redirect_uri, None)?;
                // Each begun sign-in is a row until it is finished or expires: a sign-in
                // attempt, counted with the address's others.
                throttle_address(&request, &state, Scope::LoginAddress).await?;
                let in_browser = token_cookie::is_requested(&request);
                Ok(begun(&state, providers::begin(&state, name, &redirect_uri, None, in_browser).await?))
            }
            Method::POST => {
                let input = input(&request, payload, &state).await?;
                throttle_address(&request, &state, Scope::LoginAddress).await?;
                // Djoser's clients send `code` and `state` in the query string; a body works too.
                let mut form = Form::new(&input);
                let body_code = form.text("code", OPTIONAL);
                let body_state = form.text("state", OPTIONAL);
                form.finish()?;
                let code = query_value(&request, "code").or(body_code);
                let returned_state = query_value(&request, "state").or(body_state);
                let client = client(&request, &state);
                let in_browser = token_cookie::is_requested(&request);
                let browser_secret = in_browser.then(|| provider_cookie::secret(&request).unwrap_or_default());
                let finished =
                    providers::finish(&state, name, code, returned_state, browser_secret.as_deref(), &client);
                let mut response = match finished.await? {
                    Finished::SignedIn(signed_in) => {
                        login_answer_as(&request, &state, signed_in, StatusCode::CREATED, true)
                    }
                    Finished::SecondStep(step) => not_stored(json::ok(&step)),
                    Finished::Linked(link) => json::ok(&link),
                };
                if in_browser {
                    provider_cookie::set(&mut response, None, 0, secure_cookies(&state));
                }
                Ok(response)
            }
            Method::OPTIONS => Ok(metadata(&SOCIAL)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

pub async fn links(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    serve(&LINKS, &request, async {
        let user = signed_in(&request, &state).await?;
        match *request.method() {
            Method::GET | Method::HEAD => Ok(json::ok(&providers::linked(&state, &user).await?)),
            Method::OPTIONS => Ok(metadata(&LINKS)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

pub async fn link(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    serve(&LINK, &request, async {
        let Bearer { user, session } = bearer(&request, &state).await?.ok_or_else(ApiError::not_authenticated)?;
        let name = path.as_str();
        match *request.method() {
            Method::POST => {
                sessions::check_recent_sign_in(&state, user.id, session.as_deref()).await?;
                let input = input(&request, payload, &state).await?;
                let mut form = Form::new(&input);
                let redirect_uri = form.text("redirect_uri", REQUIRED).unwrap_or_default();
                form.finish()?;
                providers::check_redirect(&state, name, &redirect_uri, Some("redirect_uri"))?;
                let in_browser = token_cookie::is_requested(&request);
                Ok(begun(&state, providers::begin(&state, name, &redirect_uri, Some(&user), in_browser).await?))
            }
            Method::DELETE => {
                providers::unlink(&state, &user, name).await?;
                Ok(json::no_content())
            }
            Method::OPTIONS => Ok(metadata(&LINK)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

/// The answer to a sign-in or link begun: the provider's address, and a browser app's secret
/// in its cookie.
fn begun(state: &AppState, begun: providers::Begun) -> HttpResponse {
    let mut response = not_stored(json::ok(&begun.answer));
    if let Some(secret) = &begun.browser_secret {
        provider_cookie::set(&mut response, Some(secret), providers::STATE_LIFETIME, secure_cookies(state));
    }
    response
}

/// The fields of a provider's answer that the app's callback page reads.
const ANSWER_FIELDS: &[&str] = &["code", "state", "error", "error_description"];

/// `POST /o/{provider}/callback`: a provider's answer posted as a form (`response_mode=form_post`)
/// is sent on to the app's callback page with the same fields in its query string (303).
pub async fn posted_answer(body: web::Bytes, path: web::Path<String>) -> HttpResponse {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let kept: Vec<(String, String)> =
        fields.into_iter().filter(|(name, _)| ANSWER_FIELDS.contains(&name.as_str())).collect();
    let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
    let provider: String = path.chars().filter(char::is_ascii_alphanumeric).collect();
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/o/{provider}/callback?{query}"))).finish()
}
