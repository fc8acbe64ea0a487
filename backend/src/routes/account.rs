//! Djoser's account actions: activation, set_password and set_username.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::reset_tokens::EmailedLink;
use crate::flows::password::{self, PasswordChange};
use crate::flows::profile;
use crate::flows::registration;
use crate::flows::sign_in::Bearer;
use crate::flows::username::{self as username_flow, UsernameChange};
use crate::http::fields::{Form, REQUIRED, USERNAME_FIELD};
use crate::http::json;
use crate::http::route::{Route, POST_ONLY};
use crate::routes::request::{action, signed_in_action};
use crate::state::AppState;

const ACTIVATION: Route = Route { name: "Activation", allow: POST_ONLY };
const SET_PASSWORD: Route = Route { name: "Set password", allow: POST_ONLY };
const SET_USERNAME: Route = Route { name: "Set username", allow: POST_ONLY };
const REVERT_EMAIL: Route = Route { name: "Revert email", allow: POST_ONLY };

/// `POST users/revert_email/`: uid and token from the link sent to the address an e-mail
/// change replaced.
pub async fn revert_email(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    action(&REVERT_EMAIL, &request, payload, &state, None, async |_, input| {
        let mut form = Form::new(&input);
        form.text("uid", REQUIRED);
        form.text("token", REQUIRED);
        form.finish()?;
        profile::revert_email(&state, EmailedLink::read(input.get("uid"), input.get("token"))).await?;
        Ok(json::no_content())
    })
    .await
}

/// `POST users/activation/`: uid and token from the activation link.
pub async fn activation(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    action(&ACTIVATION, &request, payload, &state, None, async |_, input| {
        let mut form = Form::new(&input);
        form.text("uid", REQUIRED);
        form.text("token", REQUIRED);
        form.finish()?;
        registration::activate(&state, EmailedLink::read(input.get("uid"), input.get("token"))).await?;
        Ok(json::no_content())
    })
    .await
}

/// `POST users/set_password/`: new password, confirmed by the current one.
pub async fn set_password(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    signed_in_action(&SET_PASSWORD, &request, payload, &state, async |Bearer { user, session }, input| {
        let retype = state.features().set_password_retype;
        let mut form = Form::new(&input);
        let new_password = form.text("new_password", REQUIRED).unwrap_or_default();
        let re_new_password = retype.then(|| form.text("re_new_password", REQUIRED).unwrap_or_default());
        let current_password = form.text("current_password", REQUIRED);
        let change = PasswordChange { new_password, re_new_password, current_password };
        password::change(&state, &user, session.as_deref(), form.submit(change, password::CHANGE)).await?;
        Ok(json::no_content())
    })
    .await
}

/// `POST users/set_username/`: new username, confirmed by the current password.
pub async fn set_username(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    signed_in_action(&SET_USERNAME, &request, payload, &state, async |Bearer { user, .. }, input| {
        let retype = state.features().set_username_retype;
        let mut form = Form::new(&input);
        let current_password = form.text("current_password", REQUIRED);
        let new_username = form.raw_text("new_username", USERNAME_FIELD);
        let re_new_username = retype.then(|| form.text("re_new_username", REQUIRED).unwrap_or_default());
        let change = UsernameChange { current_password, new_username, re_new_username };
        username_flow::change(&state, &user, form.submit(change, username_flow::CHANGE)).await?;
        Ok(json::no_content())
    })
    .await
}
