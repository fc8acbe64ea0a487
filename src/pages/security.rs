//! The signed-in person's second factors: authenticator apps (a QR code and the key as text,
//! then a code to confirm), passkeys (named, renamed, removed), and recovery codes, which are
//! shown once (to copy or download) when the first factor is added or new ones are made.
//! Removing a factor or making new codes is confirmed with the password, a code from an app,
//! or a passkey. The route table marks the page as needing a signed-in person.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{ApiError, Confirmation, Factor, Factors, PasskeyAnswer, TotpEnrolment};
use crate::auth::use_api;
use crate::components::{focus_by_id as focus, Alert, Field, FormState, Notices, SignInAgain, Submit};
use crate::passkey::{self, PasskeyError};
use crate::routes::Page;
use crate::task::{self, Sending};
use crate::time;
use crate::validation::Problems;

/// A change that needs the person to confirm it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    Remove(Factor),
    NewCodes,
}

impl Change {
    fn question(&self) -> String {
        match self {
            Change::Remove(factor) => format!("Remove “{}”?", factor.name),
            Change::NewCodes => "Make new recovery codes?".to_owned(),
        }
    }
}

/// How the person confirms a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConfirmWith {
    Password,
    Code,
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    let api = use_api();
    let factors = RwSignal::new(None::<Factors>);
    let failed = RwSignal::new(Vec::<String>::new());
    let done = RwSignal::new(Vec::<String>::new());
    // Recovery codes just issued: shown until the person says they kept them.
    let codes = RwSignal::new(None::<Vec<String>>);
    let change = RwSignal::new(None::<Change>);

    let reload = move || async move {
        match api.get().second_factors().await {
            Ok(list) => factors.set(Some(list)),
            Err(error) => announce(failed, &error),
        }
    };
    task::spawn(reload());
    let after_change = move |said: String, new_codes: Option<Vec<String>>| {
        failed.set(Vec::new());
        done.set(vec![said]);
        if new_codes.is_some() {
            codes.set(new_codes);
        }
        task::spawn(reload());
        focus("security-heading");
    };

    let loaded = Memo::new(move |_| factors.with(Option::is_some));
    let has = move |passkeys: bool| {
        factors.with(|list| {
            list.as_ref().is_some_and(|list| list.factors.iter().any(|factor| factor.is_passkey() == passkeys))
        })
    };
    let section = move |passkeys: bool| {
        move || {
            factors.get().map(|list| {
                let mine: Vec<Factor> =
                    list.factors.into_iter().filter(|factor| factor.is_passkey() == passkeys).collect();
                if mine.is_empty() {
                    let none = if passkeys { "You have no passkeys yet." } else { "You have no authenticator app yet." };
                    return view! { <p class="aside">{none}</p> }.into_any();
                }
                view! {
                    <ul class="factors">
                        {mine
                            .into_iter()
                            .map(|factor| view! { <FactorEntry factor=factor change=change failed=failed reload=after_change/> })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            })
        }
    };

    view! {
        <section class="card wide" aria-labelledby="security-heading">
            <h1 id="security-heading" tabindex="-1">"Security"</h1>
            <p class="lead">
                "A second factor keeps your account yours even if someone learns your password: after your password, you also give a code from an authenticator app or use a passkey."
            </p>
            <Alert messages=failed/>
            <Notices messages=done/>
            {move || codes.get().map(|list| view! { <RecoveryCodesShown codes=list hide=codes/> })}
            {move || change.get().map(|pending| view! { <ConfirmChange change=pending pending_change=change has_app=Signal::derive(move || has(false)) has_passkey=Signal::derive(move || has(true)) done=after_change/> })}
            // Built once, when the list first arrives: a change reloads the list, and must not
            // rebuild an enrolment in progress (its key and QR code, the name typed).
            {move || if loaded.get() {
                view! {
                    <h2 class="section-heading">"Authenticator apps"</h2>
                    {section(false)}
                    <AddAuthenticator done=after_change/>
                    <h2 class="section-heading">"Passkeys"</h2>
                    <p class="aside">"A passkey signs you in with your device's screen lock or a security key, and no password."</p>
                    {section(true)}
                    <AddPasskey done=after_change/>
                    <h2 class="section-heading">"Recovery codes"</h2>
                    {move || match factors.with(|list| list.as_ref().map(|list| (list.factors.is_empty(), list.recovery_codes_left))) {
                        Some((false, left)) => view! {
                            <p>{format!("You have {left} unused recovery codes. Each signs you in once if you lose your app and passkeys.")}</p>
                            <button type="button" class="secondary" on:click=move |_| change.set(Some(Change::NewCodes))>"Make new recovery codes"</button>
                        }
                        .into_any(),
                        _ => view! { <p class="aside">"You get ten recovery codes with your first authenticator app or passkey."</p> }.into_any(),
                    }}
                }
                .into_any()
            } else {
                view! { <p class="loading">"Loading your second factors…"</p> }.into_any()
            }}
            <p class="aside"><A href=Page::Profile.path()>"Back to your profile"</A></p>
        </section>
    }
}

/// One factor: its name and dates, with Rename and Remove.
#[component]
fn FactorEntry(
    factor: Factor,
    change: RwSignal<Option<Change>>,
    failed: RwSignal<Vec<String>>,
    reload: impl Fn(String, Option<Vec<String>>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let api = use_api();
    let renaming = RwSignal::new(false);
    let new_name = RwSignal::new(factor.name.clone());
    let form = FormState::new(&["name"]);
    let sending = Sending::new();
    let created = time::local(&factor.created);
    let last_used = factor.last_used.as_deref().map(time::local).unwrap_or_else(|| "Never".to_owned());
    let id = StoredValue::new(factor.id.clone());
    let field_id = format!("factor-{}-name", factor.id);
    let on_rename = move |event: SubmitEvent| {
        event.prevent_default();
        if form.checked(Problems::new().required("name", &new_name.get())) {
            let name = new_name.get().trim().to_owned();
            sending.start(async move {
                match api.get().rename_factor(&id.get_value(), &name).await {
                    Ok(factor) => {
                        renaming.set(false);
                        reload(format!("Renamed to “{}”.", factor.name), None);
                    }
                    Err(error) if error.ends_session() => {}
                    Err(error) => form.fail(error),
                }
            });
        }
    };
    let name = factor.name.clone();
    let removing = factor.clone();
    view! {
        <li class="factor">
            <h3 class="factor-name">{factor.name.clone()}</h3>
            <dl class="facts">
                <dt>"Added"</dt>
                <dd><time datetime=factor.created.clone()>{created}</time></dd>
                <dt>"Last used"</dt>
                <dd>{last_used}</dd>
            </dl>
            <Show
                when=move || renaming.get()
                fallback={
                    let field_id = field_id.clone();
                    move || {
                    let field_id = field_id.clone();
                    let name = name.clone();
                    let removing = removing.clone();
                    view! {
                        <div class="actions">
                            <button type="button" class="secondary" on:click={
                                let field_id = field_id.clone();
                                move |_| { failed.set(Vec::new()); renaming.set(true); focus(field_id.clone()); }
                            }>
                                "Rename" <span class="visually-hidden">{format!(" {name}")}</span>
                            </button>
                            <button type="button" class="danger" on:click=move |_| change.set(Some(Change::Remove(removing.clone())))>
                                "Remove" <span class="visually-hidden">{format!(" {}", removing.name)}</span>
                            </button>
                        </div>
                    }
                }}
            >
                <form on:submit=on_rename novalidate>
                    <Alert messages=form.general()/>
                    <Field label="New name" name="name" id=field_id.clone() value=new_name errors=form.field("name") required=true/>
                    <div class="actions">
                        <Submit label="Save name" busy="Saving…" pending=sending.pending()/>
                        <button type="button" class="secondary" on:click=move |_| { form.clear(); renaming.set(false); }>"Cancel"</button>
                    </div>
                </form>
            </Show>
        </li>
    }
}

/// Adding an authenticator app: its QR code and key, then the code it shows.
#[component]
fn AddAuthenticator(done: impl Fn(String, Option<Vec<String>>) + Copy + Send + Sync + 'static) -> impl IntoView {
    let api = use_api();
    let enrolment = RwSignal::new(None::<TotpEnrolment>);
    let starting = Sending::new();
    let failed = RwSignal::new(Vec::<String>::new());
    let again = RwSignal::new(false);
    let start = move |_| {
        failed.set(Vec::new());
        again.set(false);
        starting.start(async move {
            match api.get().start_authenticator().await {
                Ok(started) => {
                    enrolment.set(Some(started));
                    focus("field-totp-code");
                }
                Err(error) => {
                    again.set(error.asks_to_sign_in_again());
                    announce(failed, &error);
                }
            }
        });
    };
    let code = RwSignal::new(String::new());
    let form = FormState::new(&["code"]);
    let sending = Sending::new();
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let Some(started) = enrolment.get() else { return };
        if form.checked(Problems::new().required("code", &code.get())) {
            let typed = code.get().trim().to_owned();
            sending.start(async move {
                match api.get().confirm_authenticator(&started.id, &typed).await {
                    Ok(confirmed) => {
                        enrolment.set(None);
                        code.set(String::new());
                        done("Your authenticator app was added.".to_owned(), confirmed.recovery_codes);
                    }
                    Err(error) if error.ends_session() => {}
                    Err(error) => {
                        code.set(String::new());
                        form.fail(error);
                    }
                }
            });
        }
    };
    view! {
        <Alert messages=failed/>
        <SignInAgain shown=again/>
        {move || match enrolment.get() {
            None => view! {
                <button type="button" class="primary" disabled=move || starting.pending().get() on:click=start>
                    {move || if starting.pending().get() { "Preparing…" } else { "Add an authenticator app" }}
                </button>
            }
            .into_any(),
            Some(started) => view! {
                <div class="enrolment">
                    <h3>"Add an authenticator app"</h3>
                    <ol class="steps">
                        <li>"Open your authenticator app and choose to add an account."</li>
                        <li>
                            "Scan this QR code:"
                            <img class="qr-code" src=started.qr_code.clone() width="200" height="200" alt="QR code of your account's key, for an authenticator app"/>
                            "or type this key: "
                            <code class="key" data-testid="totp-key">{started.key_in_groups()}</code>
                        </li>
                        <li>"Enter the six-digit code the app shows."</li>
                    </ol>
                    <form on:submit=on_submit novalidate>
                        <Alert messages=form.general()/>
                        <Field label="Code from the app" name="code" id="field-totp-code" value=code errors=form.field("code") autocomplete="one-time-code" required=true/>
                        <div class="actions">
                            <Submit label="Confirm" busy="Checking…" pending=sending.pending()/>
                            <button type="button" class="secondary" on:click=move |_| { form.clear(); enrolment.set(None); }>"Cancel"</button>
                        </div>
                    </form>
                </div>
            }
            .into_any(),
        }}
    }
}

/// Adding a passkey: an optional name, then the browser's prompt.
#[component]
fn AddPasskey(done: impl Fn(String, Option<Vec<String>>) + Copy + Send + Sync + 'static) -> impl IntoView {
    let api = use_api();
    let name = RwSignal::new(String::new());
    let form = FormState::new(&["name"]);
    let sending = Sending::new();
    let again = RwSignal::new(false);
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        form.clear();
        again.set(false);
        let typed = name.get().trim().to_owned();
        let typed = if typed.is_empty() { passkey::default_name(&user_agent()) } else { typed };
        sending.start(async move {
            let client = api.get();
            let options = match client.start_passkey().await {
                Ok(options) => options,
                Err(error) => {
                    again.set(error.asks_to_sign_in_again());
                    return form.fail(error);
                }
            };
            let credential = match passkey::create(&options.options).await {
                Ok(credential) => credential,
                Err(error) => return form.fail(passkey_failure(error)),
            };
            let answer = PasskeyAnswer { id: options.id, credential };
            match client.confirm_passkey(&answer, &typed).await {
                Ok(confirmed) => {
                    name.set(String::new());
                    done(format!("Your passkey “{typed}” was added."), confirmed.recovery_codes);
                }
                Err(error) if error.ends_session() => {}
                Err(error) => form.fail(error),
            }
        });
    };
    view! {
        <Show
            when=passkey::supported
            fallback=|| view! { <p class="aside">"Passkeys cannot be added here: they need a browser that has them, and this site opened at its name rather than an IP address."</p> }
        >
            <form on:submit=on_submit novalidate class="add-passkey">
                <Alert messages=form.general()/>
                <SignInAgain shown=again/>
                <Field label="Name for the new passkey" name="name" id="field-passkey-name" value=name errors=form.field("name") hint="Such as the device it is on. Leave empty to name it after this browser."/>
                <Submit label="Add a passkey" busy="Waiting for your device…" pending=sending.pending()/>
            </form>
        </Show>
    }
}

/// Recovery codes, shown once: to copy, print or download.
#[component]
fn RecoveryCodesShown(codes: Vec<String>, hide: RwSignal<Option<Vec<String>>>) -> impl IntoView {
    let file = format!("data:text/plain;charset=utf-8,{}", encode_component(&(codes.join("\n") + "\n")));
    focus("recovery-codes-heading");
    view! {
        <div class="recovery-codes-panel" role="region" aria-labelledby="recovery-codes-heading">
            <h2 id="recovery-codes-heading" tabindex="-1">"Your recovery codes"</h2>
            <p>
                "Keep these somewhere safe, away from this device. Each code signs you in once if you lose your authenticator app and passkeys. "
                <strong>"They are shown only now."</strong>
            </p>
            <ol class="recovery-codes" aria-label="Recovery codes">
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ol>
            <div class="actions">
                <a class="button-link secondary" href=file download="recovery-codes.txt">"Download the codes"</a>
                <button type="button" class="primary" on:click=move |_| hide.set(None)>"I have kept them"</button>
            </div>
        </div>
    }
}

/// Confirming a removal or new recovery codes: the password, a code from an app, or a passkey.
#[component]
fn ConfirmChange(
    change: Change,
    pending_change: RwSignal<Option<Change>>,
    #[prop(into)] has_app: Signal<bool>,
    #[prop(into)] has_passkey: Signal<bool>,
    done: impl Fn(String, Option<Vec<String>>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let api = use_api();
    let with = RwSignal::new(ConfirmWith::Password);
    let (password, code) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let form = FormState::new(&["current_password", "code"]);
    let sending = Sending::new();
    let question = change.question();
    let change = StoredValue::new(change);
    let run = move |confirmation: Confirmation| async move {
        {
            let client = api.get();
            let outcome = match change.get_value() {
                Change::Remove(factor) => client
                    .remove_factor(&factor.id, &confirmation)
                    .await
                    .map(|_| (format!("“{}” was removed.", factor.name), None)),
                Change::NewCodes => client
                    .new_recovery_codes(&confirmation)
                    .await
                    .map(|codes| ("Your new recovery codes replace the old ones.".to_owned(), Some(codes))),
            };
            match outcome {
                Ok((said, codes)) => {
                    pending_change.set(None);
                    done(said, codes);
                }
                Err(error) if error.ends_session() => {}
                Err(error) => {
                    password.set(String::new());
                    code.set(String::new());
                    form.fail(error);
                }
            }
        }
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let (problems, confirmation) = match with.get() {
            ConfirmWith::Password => {
                (Problems::new().required("current_password", &password.get()), Confirmation::Password(password.get()))
            }
            ConfirmWith::Code => {
                (Problems::new().required("code", &code.get()), Confirmation::Code(code.get().trim().to_owned()))
            }
        };
        if form.checked(problems) {
            sending.start(run(confirmation));
        }
    };
    let with_passkey = move |_| {
        form.clear();
        sending.start(async move {
            let client = api.get();
            let options = match client.passkey_confirmation_options().await {
                Ok(options) => options,
                Err(error) => return form.fail(error),
            };
            match passkey::get(&options.options).await {
                Ok(credential) => run(Confirmation::Passkey(PasskeyAnswer { id: options.id, credential })).await,
                Err(error) => form.fail(passkey_failure(error)),
            }
        });
    };
    focus("confirm-heading");
    view! {
        <div class="confirm-change" role="region" aria-labelledby="confirm-heading">
            <h2 id="confirm-heading" tabindex="-1">{question}</h2>
            <form on:submit=on_submit novalidate>
                <Alert messages=form.general()/>
                {move || match with.get() {
                    ConfirmWith::Password => view! {
                        <Field label="Current password" name="current_password" id="field-confirm-password" kind="password" value=password errors=form.field("current_password") autocomplete="current-password" required=true hint="Your password, or another of your second factors, confirms this change."/>
                    }
                    .into_any(),
                    ConfirmWith::Code => view! {
                        <Field label="Code from your authenticator app" name="code" id="field-confirm-code" value=code errors=form.field("code") autocomplete="one-time-code" required=true/>
                    }
                    .into_any(),
                }}
                <div class="actions">
                    <Submit label="Confirm" busy="Checking…" pending=sending.pending()/>
                    <button type="button" class="secondary" on:click=move |_| pending_change.set(None)>"Cancel"</button>
                </div>
                <div class="actions">
                    <Show when=move || has_app.get()>
                        <button type="button" class="link" on:click=move |_| {
                            form.clear();
                            let next = if with.get() == ConfirmWith::Code { ConfirmWith::Password } else { ConfirmWith::Code };
                            with.set(next);
                            focus(if next == ConfirmWith::Code { "field-confirm-code" } else { "field-confirm-password" });
                        }>
                            {move || if with.get() == ConfirmWith::Code { "Use your password instead" } else { "Use a code from your app instead" }}
                        </button>
                    </Show>
                    <Show when=move || has_passkey.get() && passkey::supported()>
                        <button type="button" class="link" on:click=with_passkey>"Use a passkey instead"</button>
                    </Show>
                </div>
            </form>
        </div>
    }
}

/// A passkey the browser did not make or use, as a form's error.
pub fn passkey_failure(error: PasskeyError) -> ApiError {
    ApiError::Invalid { fields: Vec::new(), general: vec![error.message()] }
}

fn announce(failed: RwSignal<Vec<String>>, error: &ApiError) {
    if !error.ends_session() {
        failed.set(error.general(&[]));
    }
}

fn user_agent() -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|navigator| js_sys::Reflect::get(&navigator, &"userAgent".into()))
        .ok()
        .and_then(|agent| agent.as_string())
        .unwrap_or_default();
    #[cfg(not(target_arch = "wasm32"))]
    return String::new();
}

/// `encodeURIComponent`: everything but unreserved characters, percent-encoded as UTF-8.
fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_download_as_one_code_a_line() {
        assert_eq!(encode_component("k3j9-x2m4\nab12-cd34\n"), "k3j9-x2m4%0Aab12-cd34%0A");
        assert_eq!(encode_component("é &"), "%C3%A9%20%26");
    }

    #[test]
    fn a_change_asks_its_question() {
        let factor = Factor {
            id: "a".into(),
            kind: "passkey".into(),
            name: "Laptop".into(),
            created: String::new(),
            last_used: None,
        };
        assert_eq!(Change::Remove(factor).question(), "Remove “Laptop”?");
        assert_eq!(Change::NewCodes.question(), "Make new recovery codes?");
    }
}
