//! `GET /auth/`: DRF's router root, a link to the users collection.

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::configuration::Settings;
use crate::http::json;
use crate::http::route::{self, metadata, not_allowed, Route};
use crate::routes::request::requester;
use crate::state::AppState;

const ROOT: Route = Route { name: "Api Root", allow: "GET, HEAD, OPTIONS" };

#[derive(Serialize)]
struct RootLinks {
    users: String,
}

/// The users collection's address. No forwarding header is believed: the request's own `Host`
/// is used when it names this machine or the listening address (as when the server is reached
/// directly), and the configured frontend's origin otherwise, so a client cannot make the
/// answer point elsewhere.
fn users_link(request: &HttpRequest, settings: &Settings) -> String {
    let host = request.headers().get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("");
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    if matches!(name, "localhost" | "127.0.0.1" | "[::1]") || host == settings.bind {
        return format!("http://{host}/auth/users/");
    }
    let (scheme, rest) = settings.frontend_url.split_once("://").unwrap_or(("http", &settings.frontend_url));
    let origin = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{origin}/auth/users/")
}

/// `GET /auth/`.
pub async fn serve(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    route::serve(&ROOT, &request, async {
        requester(&request, &state).await?;
        match *request.method() {
            Method::GET | Method::HEAD => Ok(json::ok(&RootLinks { users: users_link(&request, &state.settings) })),
            Method::OPTIONS => Ok(metadata(&ROOT)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}
