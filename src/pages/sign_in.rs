use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::{Client, PasskeyAnswer, SecondFactor, SignInStep, User};
use crate::auth::use_api;
use crate::components::{focus_by_id, Alert, Field, FormState, Notices, Submit};
use crate::notice::Notice;
use crate::pages::providers::{take_second_step, ProviderButtons};
use crate::pages::security::passkey_failure;
use crate::passkey::{self, Autofill};
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
    // The second step, for an account with a second factor: the token that waits for it, and
    // what the account can give (`totp`, `passkey`, `recovery_code`).
    let mfa_token = RwSignal::new(None::<String>);
    let methods = RwSignal::new(Vec::<String>::new());
    let offers = move |method: &str| methods.with(|methods| methods.iter().any(|offered| offered == method));
    let has_app = move || offers("totp");
    let has_passkey = move || offers("passkey") && passkey::supported();
    let (code, recovery_code, use_recovery_code) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(false));
    // A sign-in through an identity provider that still needs the second step.
    if let Some(waiting) = take_second_step() {
        let app = waiting.methods.iter().any(|method| method == "totp");
        methods.set(waiting.methods);
        mfa_token.set(Some(waiting.token));
        use_recovery_code.set(!app);
    }
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
                    Ok(SignInStep::SecondFactor { token, methods: offered }) => {
                        form.clear();
                        let app = offered.iter().any(|method| method == "totp");
                        methods.set(offered);
                        mfa_token.set(Some(token));
                        // Without an app, the form takes a recovery code (beside the passkey button).
                        use_recovery_code.set(!app);
                        focus_by_id(if app { "field-code" } else { "second-step-heading" });
                    }
                    Err(error) => form.fail(error),
                }
            });
        }
    };
    let finish = {
        let done = done.clone();
        move |token: String, proof: SecondFactor| {
            let done = done.clone();
            let next = query.with_untracked(|q| q.get("next"));
            sending.start(async move {
                match api.get().finish_sign_in(&token, proof).await {
                    Ok(_) => done(next),
                    Err(error) => {
                        code.set(String::new());
                        recovery_code.set(String::new());
                        match error.field_as_general("mfa_token") {
                            // An expired or used sign-in starts again from the password, and
                            // says why in its own words.
                            Some(expired) => {
                                mfa_token.set(None);
                                form.fail(expired);
                                focus_by_id("field-username");
                            }
                            None => form.fail(error),
                        }
                    }
                }
            });
        }
    };
    // Passkeys: a button on each step, and the username field's autofill where the browser
    // offers it. The autofill's request is aborted before any other is made.
    let autofill = StoredValue::new_local(None::<Autofill>);
    let stop_autofill = move || autofill.update_value(|open| open.take().into_iter().for_each(|open| open.abort()));
    on_cleanup(stop_autofill);
    let with_passkey = {
        let done = done.clone();
        move || {
            let done = done.clone();
            let next = query.with_untracked(|q| q.get("next"));
            stop_autofill();
            form.clear();
            sending.start(async move {
                let token = mfa_token.get_untracked();
                match passkey_sign_in(api.get(), token.as_deref()).await {
                    Ok(_) => done(next),
                    Err(error) => {
                        if !error.field("mfa_token").is_empty() {
                            mfa_token.set(None);
                        }
                        form.fail(error);
                    }
                }
            });
        }
    };
    {
        let done = done.clone();
        crate::task::spawn(async move {
            if !passkey::supported() || !Autofill::available().await {
                return;
            }
            let Some(open) = Autofill::new() else { return };
            let options = match api.get().passkey_sign_in_options(None).await {
                Ok(options) => options,
                Err(_) => return,
            };
            // The page may be gone by now: then nothing is asked.
            if autofill.try_set_value(Some(open.clone())).is_some() {
                return;
            }
            let Ok(credential) = open.wait(&options.options).await else { return };
            if autofill.try_set_value(None).is_some() {
                return;
            }
            let Some(next) = query.try_with_untracked(|q| q.get("next")) else { return };
            let answer = PasskeyAnswer { id: options.id, credential };
            sending.start(async move {
                match api.get().sign_in_with_passkey(&answer).await {
                    Ok(_) => done(next),
                    Err(error) => form.fail(error),
                }
            });
        });
    }
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
    // One handle for both buttons, which the views rebuild.
    let with_passkey = StoredValue::new_local(with_passkey);
    let use_passkey = move |_| with_passkey.with_value(|start| start());
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
                        <Field label="Username" name="username" value=username errors=form.field("username") autocomplete="username webauthn" required=true/>
                        <Field label="Password" name="password" kind="password" value=password errors=form.field("password") autocomplete="current-password" required=true/>
                        <Submit label="Sign in" busy="Signing in…" pending=sending.pending()/>
                    }
                >
                    <h2 id="second-step-heading" tabindex="-1">"Second step"</h2>
                    <Show when=has_passkey>
                        <button type="button" class=move || if has_app() { "secondary" } else { "primary" } disabled=move || sending.pending().get() on:click=use_passkey>
                            "Use your passkey"
                        </button>
                    </Show>
                    <Show
                        when=move || use_recovery_code.get()
                        fallback=move || view! {
                            <Field label="Code from your authenticator app" name="code" value=code errors=form.field("code") autocomplete="one-time-code" required=true hint="The six digits the app shows for this site now."/>
                        }
                    >
                        <Field label="Recovery code" name="recovery_code" value=recovery_code errors=form.field("recovery_code") required=true hint="One of the codes you kept when you added your second factor, with or without its hyphen. Each works once."/>
                    </Show>
                    <Submit label="Continue" busy="Checking…" pending=sending.pending()/>
                    <Show when=has_app>
                        <button type="button" class="secondary" on:click=switch_proof>
                            {move || if use_recovery_code.get() { "Use a code from the app instead" } else { "Use a recovery code instead" }}
                        </button>
                    </Show>
                </Show>
            </form>
            <Show when=move || mfa_token.with(Option::is_none) && passkey::supported()>
                <div class="alternative">
                    <p class="aside">"Or, without your password:"</p>
                    <button type="button" class="secondary" disabled=move || sending.pending().get() on:click=use_passkey>
                        "Sign in with a passkey"
                    </button>
                </div>
            </Show>
            <Show when=move || mfa_token.with(Option::is_none)>
                <ProviderButtons/>
            </Show>
            <ul class="aside links-list">
                <li><A href=Page::ForgotPassword.path()>"Forgot password?"</A></li>
                <li><A href=Page::ForgotUsername.path()>"Forgot username?"</A></li>
                <li><A href=Page::ResendActivation.path()>"Resend activation e-mail"</A></li>
                <li>"New here? " <A href=Page::SignUp.path()>"Create an account"</A></li>
            </ul>
        </section>
    }
}

/// Signs in by passkey: alone, or as the second step of the sign-in `mfa_token` waits for.
async fn passkey_sign_in(api: Client, mfa_token: Option<&str>) -> Result<User, crate::api::ApiError> {
    let options = api.passkey_sign_in_options(mfa_token).await?;
    let credential = passkey::get(&options.options).await.map_err(passkey_failure)?;
    let answer = PasskeyAnswer { id: options.id, credential };
    match mfa_token {
        Some(token) => api.finish_sign_in(token, SecondFactor::Passkey(answer)).await,
        None => api.sign_in_with_passkey(&answer).await,
    }
}
