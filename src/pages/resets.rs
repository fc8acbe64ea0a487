//! Forgotten passwords and usernames: the pages the e-mailed links open. Asking for a link is
//! `ask_for_link.rs`.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::api::{ApiError, Client};
use crate::auth::{use_api, Api};
use crate::components::{Alert, Field, FormState, Submit};
use crate::notice::Notice;
use crate::routes::{self, Page};
use crate::task::Sending;
use crate::validation::Problems;

/// Which forgotten thing a page is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Forgotten {
    Password,
    Username,
}

impl Forgotten {
    fn request_page(self) -> Page {
        match self {
            Forgotten::Password => Page::ForgotPassword,
            Forgotten::Username => Page::ForgotUsername,
        }
    }
}

/// A link that the server refused as a link (not because of the new value).
fn link_refused(error: &ApiError) -> bool {
    !error.field("uid").is_empty() || !error.field("token").is_empty()
}

#[component]
fn BadLink(what: Forgotten, #[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    view! {
        <Show when=move || error.with(|e| e.as_ref().is_some_and(link_refused))>
            <div class="alert" role="alert">
                <p>"This reset link is invalid or has expired. Links work for a limited time and only once."</p>
                <p><A href=what.request_page().path()>"Ask for a new link"</A></p>
            </div>
        </Show>
    }
}

async fn confirm(client: Client, what: Forgotten, uid: &str, token: &str, value: &str) -> Result<(), ApiError> {
    match what {
        Forgotten::Password => client.reset_password(uid, token, value).await,
        Forgotten::Username => client.reset_username(uid, token, value).await,
    }
}

/// What sends the new value, with the link's `uid` and `token`, and whether it is being sent.
fn confirm_action(api: Api, what: Forgotten, form: FormState, link: (String, String)) -> (Sending, impl Fn(String)) {
    let navigate = use_navigate();
    let sending = Sending::new();
    let link = StoredValue::new(link);
    let send = move |value: String| {
        let navigate = navigate.clone();
        let (uid, token) = link.get_value();
        sending.start(async move {
            match confirm(api.get(), what, &uid, &token, &value).await {
                Ok(()) => {
                    let notice = match what {
                        Forgotten::Password => Notice::PasswordReset,
                        Forgotten::Username => Notice::UsernameReset,
                    };
                    navigate(&routes::sign_in_then(&Page::Profile.path(), Some(notice)), NavigateOptions::default());
                }
                Err(error) => form.fail(error),
            }
        })
    };
    (sending, send)
}

/// Messages for the alert, leaving out the link's own errors (`BadLink` explains those).
fn general_without_link(form: FormState) -> Signal<Vec<String>> {
    Signal::derive(move || {
        if form.error.with(|e| e.as_ref().is_some_and(link_refused)) {
            Vec::new()
        } else {
            form.general().get()
        }
    })
}

/// The page a password reset link opens, with the link's `uid` and `token`.
#[component]
pub fn ResetPasswordPage(uid: String, token: String) -> impl IntoView {
    let form = FormState::new(&["new_password", "confirm_password", "uid", "token"]);
    let (sending, send) = confirm_action(use_api(), Forgotten::Password, form, (uid, token));
    let (password, confirm_password) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let problems = Problems::new().new_password("new_password", &password.get()).confirms(
            "confirm_password",
            &password.get(),
            &confirm_password.get(),
        );
        if form.checked(problems) {
            send(password.get());
        }
    };
    view! {
        <section class="card narrow">
            <h1>"Choose a new password"</h1>
            <form on:submit=on_submit novalidate>
                <Alert messages=general_without_link(form)/>
                <BadLink what=Forgotten::Password error=form.error/>
                <Field label="New password" name="new_password" kind="password" value=password errors=form.field("new_password") autocomplete="new-password" required=true hint="At least 8 characters, not too common, not all digits."/>
                <Field label="Confirm password" name="confirm_password" kind="password" value=confirm_password errors=form.field("confirm_password") autocomplete="new-password" required=true/>
                <Submit label="Set new password" busy="Saving…" pending=sending.pending()/>
            </form>
        </section>
    }
}

/// The page a username reset link opens, with the link's `uid` and `token`.
#[component]
pub fn ResetUsernamePage(uid: String, token: String) -> impl IntoView {
    let form = FormState::new(&["new_username", "uid", "token"]);
    let (sending, send) = confirm_action(use_api(), Forgotten::Username, form, (uid, token));
    let username = RwSignal::new(String::new());
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if form.checked(Problems::new().required("new_username", &username.get())) {
            send(username.get().trim().to_owned());
        }
    };
    view! {
        <section class="card narrow">
            <h1>"Choose a new username"</h1>
            <form on:submit=on_submit novalidate>
                <Alert messages=general_without_link(form)/>
                <BadLink what=Forgotten::Username error=form.error/>
                <Field label="New username" name="new_username" value=username errors=form.field("new_username") autocomplete="username" required=true/>
                <Submit label="Set new username" busy="Saving…" pending=sending.pending()/>
            </form>
        </section>
    }
}
