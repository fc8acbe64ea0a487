//! Activation: the "check your e-mail" page after sign-up and the page an activation link
//! opens. Asking for a new link by address is `ask_for_link.rs`.

use std::cell::RefCell;
use std::collections::HashMap;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::ApiError;
use crate::auth::use_api;
use crate::components::{Alert, Notices, Submit};
use crate::notice::Notice;
use crate::routes::{self, Page};
use crate::task;

use super::ask_for_link::{link_sender, Emailed};

#[component]
pub fn CheckEmailPage() -> impl IntoView {
    let query = use_query_map();
    let email = move || query.with(|q| q.get("email")).unwrap_or_default();
    let (form, sent, sending, resend) = link_sender(Emailed::Activation);
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        sent.set(Vec::new());
        form.clear();
        resend(email());
    };
    view! {
        <section class="card">
            <h1>"Check your e-mail"</h1>
            <p class="lead">
                "We sent an activation link to " <strong>{email}</strong>
                ". Open it to activate your account, then sign in."
            </p>
            <p>"Nothing arrived after a few minutes? Look in your spam folder, or ask for a new link."</p>
            <form on:submit=on_submit>
                <Alert messages=form.general()/>
                <Notices messages=sent/>
                <Submit label="Resend activation e-mail" busy="Sending…" pending=sending.pending() class="secondary"/>
            </form>
            <p class="aside"><A href=Page::SignIn.path()>"Go to the sign-in page"</A></p>
        </section>
    }
}

/// What an activation link did.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Activated,
    AlreadyActive,
    Invalid,
    Failed(ApiError),
}

/// The outcome of each link tried since the page loaded, by (uid, token).
type Attempts = HashMap<(String, String), ArcRwSignal<Option<Outcome>>>;

thread_local! {
    /// Each link is sent to the server once per page load, however often its page renders.
    static ATTEMPTS: RefCell<Attempts> = RefCell::new(HashMap::new());
}

fn activate_once(api: crate::auth::Api, uid: String, token: String, retry: bool) -> ArcRwSignal<Option<Outcome>> {
    let key = (uid.clone(), token.clone());
    if let Some(existing) = ATTEMPTS.with(|attempts| attempts.borrow().get(&key).cloned()) {
        if !retry {
            return existing;
        }
    }
    let outcome = ArcRwSignal::new(None);
    ATTEMPTS.with(|attempts| attempts.borrow_mut().insert(key, outcome.clone()));
    let setter = outcome.clone();
    task::spawn(async move {
        let result = match api.get().activate(&uid, &token).await {
            Ok(()) => Outcome::Activated,
            // "Stale token for given user.": the link was used already, and the account is active.
            Err(ApiError::Refused { status: 403, .. }) => Outcome::AlreadyActive,
            Err(ApiError::Invalid { .. }) => Outcome::Invalid,
            Err(error) => Outcome::Failed(error),
        };
        setter.set(Some(result));
    });
    outcome
}

/// The page an activation link opens, with the link's `uid` and `token`.
#[component]
pub fn ActivatePage(uid: String, token: String) -> impl IntoView {
    let api = use_api();
    let outcome = RwSignal::new(activate_once(api, uid.clone(), token.clone(), false));
    let link = StoredValue::new((uid, token));
    let retry = move |_| {
        let (uid, token) = link.get_value();
        outcome.set(activate_once(api, uid, token, true));
    };
    let sign_in = routes::sign_in_then(&Page::Profile.path(), Some(Notice::Activated));
    view! {
        <section class="card">
            <h1>"Activate your account"</h1>
            {move || match outcome.get().get() {
                None => view! { <p class="loading" role="status">"Activating your account…"</p> }.into_any(),
                Some(Outcome::Activated) => view! {
                    <div class="notice" role="status"><p>"Your account is active. Welcome aboard!"</p></div>
                    <p><A href=sign_in.clone() attr:class="button-link">"Continue to sign-in"</A></p>
                }.into_any(),
                Some(Outcome::AlreadyActive) => view! {
                    <div class="notice" role="status"><p>"Your account is already active. You can sign in."</p></div>
                    <p><A href=sign_in.clone() attr:class="button-link">"Continue to sign-in"</A></p>
                }.into_any(),
                Some(Outcome::Invalid) => view! {
                    <div class="alert" role="alert">
                        <p>"This activation link is invalid or has expired. Links work for a limited time, and only the newest one counts."</p>
                    </div>
                    <p><A href=Page::ResendActivation.path() attr:class="button-link">"Resend activation e-mail"</A></p>
                }.into_any(),
                Some(Outcome::Failed(error)) => view! {
                    <Alert messages=error.general(&[])/>
                    <p><button type="button" class="primary" on:click=retry>"Try again"</button></p>
                }.into_any(),
            }}
        </section>
    }
}
