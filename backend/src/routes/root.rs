//! `GET /auth/`: DRF's router root, a link to the users collection.

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::http::json;
use crate::http::route::{self, metadata, not_allowed, Route};
use crate::routes::request::requester;
use crate::state::AppState;

const ROOT: Route = Route { name: "Api Root", allow: "GET, HEAD, OPTIONS" };

#[derive(Serialize)]
struct RootLinks {
    users: String,
}

/// `GET /auth/`.
pub async fn serve(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    route::serve(&ROOT, &request, async {
        requester(&request, &state).await?;
        match *request.method() {
            Method::GET | Method::HEAD => {
                let info = request.connection_info();
                let users = format!("{}://{}/auth/users/", info.scheme(), info.host());
                Ok(json::ok(&RootLinks { users }))
            }
            Method::OPTIONS => Ok(metadata(&ROOT)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}
