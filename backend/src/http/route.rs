//! What every API answer shares: DRF's `Allow` and `Vary` headers, the 301 for a GET without
//! its trailing slash, the `OPTIONS` metadata, and the one place an [`ApiError`] becomes an
//! answer (its body, `WWW-Authenticate` and `Retry-After`).

use std::future::Future;

use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::{ApiError, ErrorBody};
use crate::http::json;

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
pub async fn serve<Fut>(route: &Route, request: &HttpRequest, handler: Fut) -> HttpResponse
where
    Fut: Future<Output = Result<HttpResponse, ApiError>>,
{
    if let Some(redirect) = redirect_to_slash(request) {
        return redirect;
    }
    let mut response = match handler.await {
        Ok(response) => response,
        Err(error) => {
            if let ApiError::Unexpected(cause) = &error {
                tracing::error!(error = ?cause, path = request.path(), "request failed");
            }
            error_response(&error, request.app_data::<web::Data<Challenge>>().map(|challenge| &challenge.0))
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::ALLOW, header::HeaderValue::from_static(route.allow));
    headers.insert(header::VARY, header::HeaderValue::from_static("Accept"));
    response
}

/// The answer an error gives. `challenge` is sent with a 401 (SimpleJWT's default when none
/// is configured).
pub fn error_response(error: &ApiError, challenge: Option<&header::HeaderValue>) -> HttpResponse {
    let status = error.status();
    let mut response = HttpResponse::build(status);
    if status == StatusCode::UNAUTHORIZED {
        let challenge = challenge.cloned().unwrap_or(header::HeaderValue::from_static("Bearer realm=\"api\""));
        response.insert_header((header::WWW_AUTHENTICATE, challenge));
    }
    if let Some(wait) = error.retry_after() {
        response.insert_header((header::RETRY_AFTER, wait.to_string()));
    }
    let body = match error.body() {
        ErrorBody::Fields(errors) => json::render(errors),
        ErrorBody::Bare(messages) => json::render(&messages),
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
