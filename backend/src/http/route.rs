//! What every API answer shares: DRF's `Allow` and `Vary` headers, the 301 for a GET without
//! its trailing slash, the `OPTIONS` metadata, and the one place an [`ApiError`] becomes an
//! answer (its body, `WWW-Authenticate` and `Retry-After`).

use std::future::Future;

use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::domain::audit;
use crate::error::{ApiError, ErrorBody};
use crate::http::client::{origin_of, TrustedProxies};
use crate::http::json;
use crate::i18n::{self, Language, Languages};

/// A route of the API: its view name (shown by `OPTIONS`) and the methods it answers.
pub struct Route {
    pub name: &'static str,
    pub allow: &'static str,
}

pub const POST_ONLY: &str = "POST, OPTIONS";
pub const COLLECTION: &str = "GET, POST, HEAD, OPTIONS";
pub const INSTANCE: &str = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS";

/// The `WWW-Authenticate` challenge of every 401: the first accepted `Authorization` scheme,
/// as SimpleJWT's, with realm "api". Registered once as application data.
#[derive(Debug, Clone)]
pub struct Challenge(header::HeaderValue);

impl Challenge {
    pub fn new(scheme: &str) -> anyhow::Result<Self> {
        let value = header::HeaderValue::from_str(&format!("{scheme} realm=\"api\""))
            .map_err(|_| anyhow::anyhow!("GATEHOUSE_AUTH_HEADER_TYPES: {scheme:?} cannot be sent in a header"))?;
        Ok(Self(value))
    }
}

/// Runs a handler for `route`, turning its error into the contract's answer and adding the
/// headers DRF adds to every answer of a view.
///
/// The handler's future is the largest part of a request's state (a future is as large as
/// its largest state, and is copied whole each time it moves): it is moved once, into the
/// heap, so that the futures wrapping it (the route's function, the audit scope, actix's
/// boxed service) stay small. In a profile, copying it at each of those moves was 4 % of the
/// server's time for a refresh and for `users/me/`; 1.4 % once it moved once.
pub fn serve<'a, Fut>(
    route: &'a Route,
    request: &'a HttpRequest,
    handler: Fut,
) -> impl Future<Output = HttpResponse> + 'a
where
    Fut: Future<Output = Result<HttpResponse, ApiError>> + 'a,
{
    answer(route, request, Box::pin(handler))
}

async fn answer<Fut>(route: &Route, request: &HttpRequest, handler: Fut) -> HttpResponse
where
    Fut: Future<Output = Result<HttpResponse, ApiError>> + Unpin,
{
    let languages = request.app_data::<web::Data<Languages>>();
    let language = languages.map(|languages| language_of(languages, request));
    if let Some(mut redirect) = redirect_to_slash(request) {
        if let (Some(languages), Some(language)) = (languages, &language) {
            if languages.negotiates() {
                say_language(redirect.headers_mut(), language, "Accept-Language");
            }
        }
        return redirect;
    }
    // E-mails composed while the request runs take its language; without negotiation that is
    // `LANGUAGE_CODE`'s, their default, and nothing needs keeping.
    let negotiated = languages.filter(|languages| languages.negotiates()).and(language.as_ref());
    // Events recorded while the request runs say where it came from.
    let trusted = request.app_data::<web::Data<TrustedProxies>>().cloned();
    let asking = request.clone();
    let origin = move || origin_of(&asking, trusted.as_ref().map_or(&[][..], |trusted| &trusted.0));
    let handler = audit::from(origin, handler);
    let outcome = match negotiated {
        Some(language) => i18n::speaking(language.clone(), handler).await,
        None => handler.await,
    };
    let mut response = match outcome {
        Ok(response) => response,
        Err(error) => {
            if let ApiError::Unexpected(cause) = &error {
                tracing::error!(error = ?cause, path = request.path(), "request failed");
            }
            let challenge = request.app_data::<web::Data<Challenge>>().map(|challenge| &challenge.0);
            let translation = languages.zip(language.as_ref()).map(|(languages, language)| (&***languages, language));
            error_response_in(&error, challenge, translation)
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::ALLOW, header::HeaderValue::from_static(route.allow));
    match (languages, &language) {
        (Some(languages), Some(language)) if languages.negotiates() => {
            say_language(headers, language, "Accept, Accept-Language")
        }
        _ => {
            headers.insert(header::VARY, header::HeaderValue::from_static("Accept"));
        }
    }
    response
}

/// The request's language (`django_language` cookie, `Accept-Language`), as `LocaleMiddleware`
/// picks it when `GATEHOUSE_USE_ACCEPT_LANGUAGE` is on.
fn language_of(languages: &Languages, request: &HttpRequest) -> Language {
    if !languages.negotiates() {
        return languages.default_language().clone();
    }
    let cookie = request.cookie("django_language");
    let accept = request.headers().get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok());
    languages.for_request(cookie.as_ref().map(|cookie| cookie.value()), accept)
}

/// `LocaleMiddleware`'s headers: `Content-Language`, and `Vary` as it leaves it.
fn say_language(headers: &mut actix_web::http::header::HeaderMap, language: &Language, vary: &'static str) {
    if let Ok(value) = header::HeaderValue::from_str(&language.code) {
        headers.insert(header::CONTENT_LANGUAGE, value);
    }
    headers.insert(header::VARY, header::HeaderValue::from_static(vary));
}

/// The answer an error gives. `challenge` is sent with a 401 (SimpleJWT's default when none
/// is configured).
pub fn error_response(error: &ApiError, challenge: Option<&header::HeaderValue>) -> HttpResponse {
    error_response_in(error, challenge, None)
}

/// [`error_response`] with its messages in `translation`'s language.
fn error_response_in(
    error: &ApiError,
    challenge: Option<&header::HeaderValue>,
    translation: Option<(&Languages, &Language)>,
) -> HttpResponse {
    let status = error.status();
    let mut response = HttpResponse::build(status);
    if status == StatusCode::UNAUTHORIZED {
        let challenge = challenge.cloned().unwrap_or(header::HeaderValue::from_static("Bearer realm=\"api\""));
        response.insert_header((header::WWW_AUTHENTICATE, challenge));
    }
    if let Some(wait) = error.retry_after() {
        response.insert_header((header::RETRY_AFTER, wait.to_string()));
    }
    let translation = translation.filter(|(languages, language)| languages.translates(language));
    let translate =
        |message: &str| translation.and_then(|(languages, language)| languages.translate(language, message));
    let body = match error.body() {
        ErrorBody::Fields(errors) if translation.is_some() => json::render(&errors.translated(translate)),
        ErrorBody::Fields(errors) => json::render(errors),
        ErrorBody::Bare([message]) => match translate(message) {
            Some(translated) => json::render(&[translated]),
            None => json::render(&[message]),
        },
        ErrorBody::Text(message) => json::render(message),
        ErrorBody::Detail(detail) if translation.is_some() => json::render(&detail.translated(translate)),
        ErrorBody::Detail(detail) => json::render(&detail),
        ErrorBody::None => return response.finish(),
    };
    response.content_type(json::CONTENT_TYPE).body(body)
}

/// Django's `APPEND_SLASH` for reads: GET and HEAD without the trailing slash are redirected.
/// Other methods are served as the slashed path, so no request body is lost.
fn redirect_to_slash(request: &HttpRequest) -> Option<HttpResponse> {
    let path = request.path();
    if path.ends_with('/') || !matches!(*request.method(), Method::GET | Method::HEAD) {
        return None;
    }
    let query = request.query_string();
    let location = if query.is_empty() { format!("{path}/") } else { format!("{path}/?{query}") };
    Some(
        HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, location))
            .content_type("text/html; charset=utf-8")
            .finish(),
    )
}

#[derive(Serialize)]
struct Metadata {
    name: &'static str,
    description: &'static str,
    renders: [&'static str; 2],
    parses: [&'static str; 3],
}

/// The answer to `OPTIONS` (DRF's `SimpleMetadata`, without the per-field descriptions).
pub fn metadata(route: &Route) -> HttpResponse {
    json::ok(&Metadata {
        name: route.name,
        description: "",
        renders: ["application/json", "text/html"],
        parses: ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
    })
}

/// The body of a 405.
pub fn not_allowed(request: &HttpRequest) -> ApiError {
    ApiError::method_not_allowed(request.method().as_str())
}
