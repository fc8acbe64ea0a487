//! The staff console's API under `admin/` (accounts, what staff do to them, the audit trail),
//! and `users/me/activity/`, the signed-in person's own recent events. The console answers
//! "Not found." to anyone who is not staff: the app hiding its pages is not the protection.

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::ApiError;
use crate::flows::audit;
use crate::flows::console::{self, Page, TrailQuery};
use crate::flows::staff::Action;
use crate::http::json;
use crate::http::route::{metadata, not_allowed, serve, Route, POST_ONLY};
use crate::routes::request::{query_value, signed_in};
use crate::state::AppState;

const ACTIVITY: Route = Route { name: "Activity List", allow: "GET, HEAD, OPTIONS" };
const ACCOUNTS: Route = Route { name: "Account List", allow: "GET, HEAD, OPTIONS" };
const ACCOUNT: Route = Route { name: "Account Instance", allow: "GET, DELETE, HEAD, OPTIONS" };
const ACTION: Route = Route { name: "Account Action", allow: POST_ONLY };
const TRAIL: Route = Route { name: "Audit Event List", allow: "GET, HEAD, OPTIONS" };

/// A page as DRF's `PageNumberPagination` answers it, with `count_capped` for a search that
/// counted no further.
#[derive(Serialize)]
struct Paginated<T> {
    count: i64,
    count_capped: bool,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<T>,
}

/// The address of page `page` of this list: the request's, its `page` replaced.
fn page_link(request: &HttpRequest, page: i64) -> String {
    let info = request.connection_info();
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(request.query_string()).unwrap_or_default();
    pairs.retain(|(key, _)| key != "page");
    if page > 1 {
        pairs.push(("page".to_owned(), page.to_string()));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let separator = if query.is_empty() { "" } else { "?" };
    format!("{}://{}{}{separator}{query}", info.scheme(), info.host(), request.path())
}

fn paginated<T: Serialize>(request: &HttpRequest, page: Page<T>) -> HttpResponse {
    json::ok(&Paginated {
        count: page.count,
        count_capped: page.capped,
        next: page.has_next.then(|| page_link(request, page.page + 1)),
        previous: (page.page > 1).then(|| page_link(request, page.page - 1)),
        results: page.results,
    })
}

/// `?page=`: 1 when absent; "Invalid page." when it is not a number.
fn page_number(request: &HttpRequest) -> i64 {
    match query_value(request, "page") {
        None => 1,
        Some(text) => crate::pycompat::parse_int(&text).unwrap_or(0),
    }
}

/// `GET users/me/activity/`.
pub async fn activity(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    serve(&ACTIVITY, &request, async {
        let user = signed_in(&request, &state).await?;
        match *request.method() {
            Method::GET | Method::HEAD => Ok(json::ok(&audit::recent(&state, &user).await?)),
            Method::OPTIONS => Ok(metadata(&ACTIVITY)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

/// `GET admin/users/?search=&page=`.
pub async fn accounts(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    serve(&ACCOUNTS, &request, async {
        let requester = signed_in(&request, &state).await?;
        match *request.method() {
            Method::GET | Method::HEAD => {
                let search = query_value(&request, "search").unwrap_or_default();
                let page = console::search(&state, &requester, &search, page_number(&request)).await?;
                Ok(paginated(&request, page))
            }
            Method::OPTIONS => Ok(metadata(&ACCOUNTS)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

/// `GET` and `DELETE admin/users/{id}/`.
pub async fn account(request: HttpRequest, state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    serve(&ACCOUNT, &request, async {
        let requester = signed_in(&request, &state).await?;
        match *request.method() {
            Method::GET | Method::HEAD => Ok(json::ok(&console::account(&state, &requester, &id).await?)),
            Method::DELETE => {
                console::act(&state, &requester, &id, Action::Delete).await?;
                Ok(json::no_content())
            }
            Method::OPTIONS => Ok(metadata(&ACCOUNT)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

/// `POST admin/users/{id}/{action}/`: the account as it is after.
pub async fn action(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    serve(&ACTION, &request, async {
        let requester = signed_in(&request, &state).await?;
        let (id, name) = path.into_inner();
        let action = Action::named(&name).ok_or_else(ApiError::not_found)?;
        match *request.method() {
            Method::POST => {
                let after = console::act(&state, &requester, &id, action).await?;
                Ok(json::ok(&after.ok_or_else(ApiError::not_found)?))
            }
            Method::OPTIONS => Ok(metadata(&ACTION)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

/// `GET admin/audit/?user=&event=&since=&until=&page=`.
pub async fn trail(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    serve(&TRAIL, &request, async {
        let requester = signed_in(&request, &state).await?;
        match *request.method() {
            Method::GET | Method::HEAD => {
                let (user, event) = (query_value(&request, "user"), query_value(&request, "event"));
                let (since, until) = (query_value(&request, "since"), query_value(&request, "until"));
                let query = TrailQuery {
                    user: user.as_deref(),
                    event: event.as_deref(),
                    since: since.as_deref(),
                    until: until.as_deref(),
                };
                Ok(paginated(&request, console::trail(&state, &requester, query, page_number(&request)).await?))
            }
            Method::OPTIONS => Ok(metadata(&TRAIL)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}
