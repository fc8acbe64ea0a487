use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::auth::use_api;
use crate::components::{Alert, Field, FormState, Notices, Submit};
use crate::notice::Notice;
use crate::routes::{self, Page};
use crate::task::Sending;
use crate::validation::Problems;

#[component]
pub fn SignInPage() -> impl IntoView {
    let api = use_api();
    let navigate = use_navigate();
    let query = use_query_map();
    let notice = move || query.with(|q| q.get("notice")).and_then(|key| Notice::from_key(&key)).map(Notice::text);
    let good_news = Signal::derive(move || {
        notice().filter(|(_, bad)| !bad).map(|(text, _)| vec![text.to_owned()]).unwrap_or_default()
    });
    let bad_news = Signal::derive(move || {
        notice().filter(|(_, bad)| *bad).map(|(text, _)| vec![text.to_owned()]).unwrap_or_default()
    });
    let form = FormState::new(&["username", "password"]);
    let (username, password) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let sending = Sending::new();
    let sign_in = move |name: String, secret: String| {
        let navigate = navigate.clone();
        // Read now: the page (and its query) may be gone when the answer comes.
        let next = query.with_untracked(|q| q.get("next"));
        sending.start(async move {
            match api.get().sign_in(&name, &secret).await {
                Ok(_) => {
                    navigate(
                        &routes::after_sign_in(next.as_deref()),
                        NavigateOptions { replace: true, ..Default::default() },
                    );
                }
                Err(error) => {
                    password.set(String::new());
                    form.fail(error);
                }
            }
        });
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let problems = Problems::new().required("username", &username.get()).required("password", &password.get());
        if form.checked(problems) {
            sign_in(username.get().trim().to_owned(), password.get());
        }
    };
    let alert = Signal::derive(move || {
        let errors = form.general().get();
        if errors.is_empty() && form.error.with(Option::is_none) {
            bad_news.get()
        } else {
            errors
        }
    });
    view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <Notices messages=good_news/>
            <form on:submit=on_submit novalidate>
                <Alert messages=alert/>
                <Field label="Username" name="username" value=username errors=form.field("username") autocomplete="username" required=true/>
                <Field label="Password" name="password" kind="password" value=password errors=form.field("password") autocomplete="current-password" required=true/>
                <Submit label="Sign in" busy="Signing in…" pending=sending.pending()/>
            </form>
            <ul class="aside links-list">
                <li><A href=Page::ForgotPassword.path()>"Forgot password?"</A></li>
                <li><A href=Page::ForgotUsername.path()>"Forgot username?"</A></li>
                <li><A href=Page::ResendActivation.path()>"Resend activation e-mail"</A></li>
                <li>"New here? " <A href=Page::SignUp.path()>"Create an account"</A></li>
            </ul>
        </section>
    }
}
