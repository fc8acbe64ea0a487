//! What every API answer shares: DRF's `Allow` and `Vary` headers, the 301 for a GET without
//! its trailing slash, the `OPTIONS` metadata, and the conversion of errors into responses.

use std::future::Future;

use actix_web::http::{header, Method};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::ApiError;
use crate::http::json;
use crate::state::AppState;

/// A route of the API: its view name (shown by `OPTIONS`) and the methods it answers.
pub struct Route {
    pub name: &'static str,
    pub allow: &'static str,
}

pub const POST_ONLY: &str = "POST, OPTIONS";
pub const COLLECTION: &str = "GET, POST, HEAD, OPTIONS";
pub const INSTANCE: &str = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS";

/// Runs a handler for `route`, turning its error into the contract's body and adding the
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
            if matches!(error, ApiError::Unexpected(_)) {
                tracing::error!(error = ?error, path = request.path(), "request failed");
            }
            error.error_response()
        }
    };
    let headers = response.headers_mut();
    if headers.contains_key(header::WWW_AUTHENTICATE) {
        // The challenge names the first accepted scheme, as SimpleJWT's does.
        let scheme = request
            .app_data::<actix_web::web::Data<AppState>>()
            .and_then(|state| state.features().auth_header_types.first().cloned())
            .unwrap_or_else(|| "Bearer".into());
        if let Ok(value) = header::HeaderValue::from_str(&format!("{scheme} realm=\"api\"")) {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
    }
    headers.insert(header::ALLOW, header::HeaderValue::from_static(route.allow));
    headers.insert(header::VARY, header::HeaderValue::from_static("Accept"));
    response
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
