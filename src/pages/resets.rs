//! Forgotten passwords and usernames: asking for a link, and the pages the links open.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::api::{ApiError, Client};
use crate::auth::{use_api, Api};
use crate::components::{Alert, Field, FormState, Notices, Submit};
use crate::routes::{self, Notice};
use crate::task::Sending;
use crate::validation::Problems;

/// Which forgotten thing a page is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Forgotten {
    Password,
    Username,
}

impl Forgotten {
    fn request_page(self) -> &'static str {
        match self {
            Forgotten::Password => routes::FORGOT_PASSWORD,
            Forgotten::Username => routes::FORGOT_USERNAME,
        }
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    super::title("Reset your password");
    view! { <AskForLink what=Forgotten::Password/> }
}

#[component]
pub fn ForgotUsernamePage() -> impl IntoView {
    super::title("Reset your username");
    view! { <AskForLink what=Forgotten::Username/> }
}

#[component]
fn AskForLink(what: Forgotten) -> impl IntoView {
    let api = use_api();
    let form = FormState::new(&["email"]);
    let sent = RwSignal::new(Vec::<String>::new());
    let email = RwSignal::new(String::new());
    let sending = Sending::new();
    let ask = move |address: String| {
        sending.start(async move {
            let client = api.get();
            let result = match what {
                Forgotten::Password => client.forgot_password(&address).await,
                Forgotten::Username => client.forgot_username(&address).await,
            };
            match result {
                Ok(()) => sent.set(vec![format!(
                    "If an account uses {address}, we sent it a link. It can take a minute to arrive; check your spam folder too."
                )]),
                Err(error) => form.fail(error),
            }
        })
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        sent.set(Vec::new());
        let value = email.get().trim().to_owned();
        if form.checked(Problems::new().required("email", &value).email("email", &value)) {
            ask(value);
        }
    };
    let (heading, lead) = match what {
        Forgotten::Password => (
            "Forgot your password?",
            "Enter your account's e-mail address and we will send you a link to choose a new password.",
        ),
        Forgotten::Username => (
            "Forgot your username?",
            "Enter your account's e-mail address and we will send you a link to choose a new username.",
        ),
    };
    view! {
        <section class="card narrow">
            <h1>{heading}</h1>
            <p class="lead">{lead}</p>
            <form on:submit=on_submit novalidate>
                <Alert messages=form.general()/>
                <Notices messages=sent/>
                <Field label="Email" name="email" kind="email" value=email errors=form.field("email") autocomplete="email" required=true/>
                <Submit label="Send reset link" busy="Sending…" pending=sending.pending()/>
            </form>
            <p class="aside"><A href=routes::SIGN_IN>"Back to the sign-in page"</A></p>
        </section>
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
                <p><A href=what.request_page()>"Ask for a new link"</A></p>
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
                    navigate(&routes::sign_in_then(routes::PROFILE, Some(notice)), NavigateOptions::default());
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
    super::title("Choose a new password");
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
    super::title("Choose a new username");
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
