//! The flows that go through a person's mailbox: asking for an activation, password reset or
//! username reset link, and confirming a reset with the link's uid and token.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::reset_tokens::EmailedLink;
use crate::flows::links::{self, Purpose};
use crate::flows::password::{self, PasswordReset};
use crate::flows::username::{self, UsernameReset};
use crate::http::fields::{Form, REQUIRED, USERNAME_FIELD};
use crate::http::json;
use crate::http::route::{Route, POST_ONLY};
use crate::routes::request::action;
use crate::state::AppState;
use crate::throttle::Scope;

const RESEND_ACTIVATION: Route = Route { name: "Resend activation", allow: POST_ONLY };
const RESET_PASSWORD: Route = Route { name: "Reset password", allow: POST_ONLY };
const RESET_PASSWORD_CONFIRM: Route = Route { name: "Reset password confirm", allow: POST_ONLY };
const RESET_USERNAME: Route = Route { name: "Reset username", allow: POST_ONLY };
const RESET_USERNAME_CONFIRM: Route = Route { name: "Reset username confirm", allow: POST_ONLY };

/// `POST users/resend_activation/`: a new activation link for an inactive account.
pub async fn resend_activation(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    send_link(&RESEND_ACTIVATION, Purpose::Activation, request, payload, state).await
}

/// `POST users/reset_password/`: e-mails a password reset link.
pub async fn reset_password(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    send_link(&RESET_PASSWORD, Purpose::PasswordReset, request, payload, state).await
}

/// `POST users/reset_username/`: e-mails a username reset link.
pub async fn reset_username(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    send_link(&RESET_USERNAME, Purpose::UsernameReset, request, payload, state).await
}

/// The three e-mail requests: one required e-mail field (no length limit), throttled per
/// client address.
async fn send_link(
    route: &Route,
    kind: Purpose,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    action(route, &request, payload, &state, Some(Scope::EmailAddress), async |_, input| {
        let mut form = Form::new(&input);
        let email = form.email_address("email", REQUIRED);
        form.finish()?;
        links::send(&state, kind, email.expect("a finished field stage has an address")).await?;
        Ok(json::no_content())
    })
    .await
}

/// `POST users/reset_password_confirm/`: the new password for the link's account.
pub async fn reset_password_confirm(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    action(&RESET_PASSWORD_CONFIRM, &request, payload, &state, None, async |requester, input| {
        let retype = state.features().password_reset_confirm_retype;
        let mut form = Form::new(&input);
        form.text("uid", REQUIRED);
        form.text("token", REQUIRED);
        let new_password = form.text("new_password", REQUIRED).unwrap_or_default();
        let re_new_password = retype.then(|| form.text("re_new_password", REQUIRED).unwrap_or_default());
        form.finish()?;
        let link = EmailedLink::read(input.get("uid"), input.get("token"));
        password::reset(
            &state,
            requester.as_ref().map(|bearer| &bearer.user),
            PasswordReset { link, new_password, re_new_password },
        )
        .await?;
        Ok(json::no_content())
    })
    .await
}

/// `POST users/reset_username_confirm/`: the new username for the link's account.
pub async fn reset_username_confirm(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    action(&RESET_USERNAME_CONFIRM, &request, payload, &state, None, async |_, input| {
        let retype = state.features().username_reset_confirm_retype;
        let mut form = Form::new(&input);
        let new_username = form.raw_text("new_username", USERNAME_FIELD);
        let re_new_username = retype.then(|| form.text("re_new_username", REQUIRED).unwrap_or_default());
        let link = EmailedLink::read(input.get("uid"), input.get("token"));
        let reset = UsernameReset { link, new_username, re_new_username };
        username::reset(&state, form.submit(reset, username::RESET)).await?;
        Ok(json::no_content())
    })
    .await
}
