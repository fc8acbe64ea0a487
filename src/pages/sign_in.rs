use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::{SecondFactor, SignInStep};
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
    let form = FormState::new(&["username", "password", "code", "recovery_code"]);
    let (username, password) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    // The second step, for an account with a second factor: the token that waits for it.
    let mfa_token = RwSignal::new(None::<String>);
    let (code, recovery_code, use_recovery_code) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(false));
    let sending = Sending::new();
    let done = {
        let navigate = navigate.clone();
        move |next: Option<String>| {
            navigate(&routes::after_sign_in(next.as_deref()), NavigateOptions { replace: true, ..Default::default() })
        }
    };
    let sign_in = {
        let done = done.clone();
        move |name: String, secret: String| {
            let done = done.clone();
            // Read now: the page (and its query) may be gone when the answer comes.
            let next = query.with_untracked(|q| q.get("next"));
            sending.start(async move {
                let outcome = api.get().sign_in(&name, &secret).await;
                password.set(String::new());
                match outcome {
                    Ok(SignInStep::SignedIn(_)) => done(next),
                    Ok(SignInStep::SecondFactor(token)) => {
                        form.clear();
                        mfa_token.set(Some(token));
                        focus_by_id(if use_recovery_code.get_untracked() {
                            "field-recovery_code"
                        } else {
                            "field-code"
                        });
                    }
                    Err(error) => form.fail(error),
                }
            });
        }
    };
    let finish = move |token: String, proof: SecondFactor| {
        let done = done.clone();
        let next = query.with_untracked(|q| q.get("next"));
        sending.start(async move {
            match api.get().finish_sign_in(&token, proof).await {
                Ok(_) => done(next),
                Err(error) => {
                    // An expired or used sign-in starts again from the password.
                    if !error.field("mfa_token").is_empty() {
                        mfa_token.set(None);
                    }
                    code.set(String::new());
                    recovery_code.set(String::new());
                    form.fail(error);
                }
            }
        });
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if let Some(token) = mfa_token.get() {
            let problems = match use_recovery_code.get() {
                true => Problems::new().required("recovery_code", &recovery_code.get()),
                false => Problems::new().required("code", &code.get()),
            };
            if form.checked(problems) {
                let proof = match use_recovery_code.get() {
                    true => SecondFactor::RecoveryCode(recovery_code.get().trim().to_owned()),
                    false => SecondFactor::Code(code.get().trim().to_owned()),
                };
                finish(token, proof);
            }
            return;
        }
        let problems = Problems::new().required("username", &username.get()).required("password", &password.get());
        if form.checked(problems) {
            sign_in(username.get().trim().to_owned(), password.get());
        }
    };
    let switch_proof = move |_| {
        use_recovery_code.update(|recovery| *recovery = !*recovery);
        form.clear();
        focus_by_id(if use_recovery_code.get_untracked() { "field-recovery_code" } else { "field-code" });
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
                <Show
                    when=move || mfa_token.with(Option::is_some)
                    fallback=move || view! {
                        <Field label="Username" name="username" value=username errors=form.field("username") autocomplete="username" required=true/>
                        <Field label="Password" name="password" kind="password" value=password errors=form.field("password") autocomplete="current-password" required=true/>
                        <Submit label="Sign in" busy="Signing in…" pending=sending.pending()/>
                    }
                >
                    <h2>"Second step"</h2>
                    <Show
                        when=move || use_recovery_code.get()
                        fallback=move || view! {
                            <Field label="Code from your authenticator app" name="code" value=code errors=form.field("code") autocomplete="one-time-code" required=true hint="The six digits the app shows for this site now."/>
                        }
                    >
                        <Field label="Recovery code" name="recovery_code" value=recovery_code errors=form.field("recovery_code") required=true hint="One of the codes you kept when you added the app, with or without its hyphen. Each works once."/>
                    </Show>
                    <Submit label="Continue" busy="Checking…" pending=sending.pending()/>
                    <button type="button" class="secondary" on:click=switch_proof>
                        {move || if use_recovery_code.get() { "Use a code from the app instead" } else { "Use a recovery code instead" }}
                    </button>
                </Show>
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

/// Moves keyboard focus to the element `id`, once the view shows it.
fn focus_by_id(id: &'static str) {
    #[cfg(target_arch = "wasm32")]
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        let found = document().get_element_by_id(id);
        if let Some(element) = found.and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = element.focus();
        }
    });
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}
