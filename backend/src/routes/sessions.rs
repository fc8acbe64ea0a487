//! Sessions: `users/me/sessions/` for the signed-in user, and `users/{id}/sessions/` for that
//! user or staff: the list (GET), one session ended (DELETE `…/{sid}/`), and every other
//! session or all of them ended (POST `…/revoke/`).

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;
use crate::flows::sessions::{self, Access};
use crate::flows::sign_in::Bearer;
use crate::http::fields::Form;
use crate::http::json;
use crate::http::route::{metadata, not_allowed, serve, Route, POST_ONLY};
use crate::routes::request::{bearer, input};
use crate::state::AppState;

const LIST: Route = Route { name: "Session List", allow: "GET, HEAD, OPTIONS" };
const ONE: Route = Route { name: "Session Instance", allow: "DELETE, OPTIONS" };
const REVOKE: Route = Route { name: "Session Revoke", allow: POST_ONLY };

/// The signed-in requester, with the session their token belongs to.
async fn signed_in(request: &HttpRequest, state: &AppState) -> Result<Bearer, ApiError> {
    bearer(request, state).await?.ok_or_else(ApiError::not_authenticated)
}

/// The session of the requester's token, when the list is the requester's.
fn current_of(requester: &Bearer, owner: i64) -> Option<&str> {
    (owner == requester.user.id).then_some(requester.session.as_deref()).flatten()
}

async fn list(request: HttpRequest, state: web::Data<AppState>, id: Option<&str>) -> HttpResponse {
    serve(&LIST, &request, async {
        let requester = signed_in(&request, &state).await?;
        match *request.method() {
            Method::GET | Method::HEAD => {
                let owner = sessions::owner(&state, &requester.user, id, Access::See).await?;
                Ok(json::ok(&sessions::list(&state, owner, current_of(&requester, owner)).await?))
            }
            Method::OPTIONS => Ok(metadata(&LIST)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

async fn end_one(request: HttpRequest, state: web::Data<AppState>, id: Option<&str>, sid: &str) -> HttpResponse {
    serve(&ONE, &request, async {
        let requester = signed_in(&request, &state).await?;
        match *request.method() {
            Method::DELETE => {
                sessions::end_one(
                    &state,
                    &requester.user,
                    sessions::owner(&state, &requester.user, id, Access::End).await?,
                    sid,
                )
                .await?;
                Ok(json::no_content())
            }
            Method::OPTIONS => Ok(metadata(&ONE)),
            _ => Err(not_allowed(&request)),
        }
    })
    .await
}

async fn revoke(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    id: Option<&str>,
) -> HttpResponse {
    serve(&REVOKE, &request, async {
        let requester = signed_in(&request, &state).await?;
        match *request.method() {
            Method::POST => {}
            Method::OPTIONS => return Ok(metadata(&REVOKE)),
            _ => return Err(not_allowed(&request)),
        }
        let owner = sessions::owner(&state, &requester.user, id, Access::End).await?;
        let input = input(&request, payload, &state).await?;
        let mut form = Form::new(&input);
        let scope = form.choice("scope", sessions::SCOPES);
        form.finish()?;
        let scope = scope.expect("a finished form has its fields");
        sessions::revoke(&state, &requester.user, owner, scope, current_of(&requester, owner)).await?;
        Ok(json::no_content())
    })
    .await
}

/// `users/me/sessions/`.
pub async fn my_list(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    list(request, state, None).await
}

/// `users/me/sessions/{sid}/`.
pub async fn my_one(request: HttpRequest, sid: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    end_one(request, state, None, &sid).await
}

/// `users/me/sessions/revoke/`.
pub async fn my_revoke(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    revoke(request, payload, state, None).await
}

/// `users/{id}/sessions/`.
pub async fn user_list(request: HttpRequest, id: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    list(request, state, Some(&id)).await
}

/// `users/{id}/sessions/{sid}/`.
pub async fn user_one(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (id, sid) = path.into_inner();
    end_one(request, state, Some(&id), &sid).await
}

/// `users/{id}/sessions/revoke/`.
pub async fn user_revoke(
    request: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    revoke(request, payload, state, Some(&id)).await
}
