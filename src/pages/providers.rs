//! Identity providers: the "Continue with …" buttons of the sign-in and sign-up pages, the page
//! a provider sends the browser back to (`/o/{provider}/callback`), which finishes the sign-in
//! and goes where the person was going, and the profile's connected accounts.
//!
//! Where the person was going, and a second step the account still needs, wait in the tab's
//! session storage while the browser is at the provider.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::{ConnectedAccount, Provider, ProviderOutcome};
use crate::auth::use_api;
use crate::components::{focus_by_id, Alert, Notices, SignInAgain};
use crate::routes::{self, Page};
use crate::task::{load, spawn};

/// Where to go after a sign-in through a provider (the sign-in page's `next`).
const NEXT_KEY: &str = "gatehouse.provider.next";
/// A second step that waits after a provider: `{token, methods}` for the sign-in page.
const SECOND_STEP_KEY: &str = "gatehouse.provider.second-step";

/// The second step a sign-in through a provider left for the sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WaitingSecondStep {
    pub token: String,
    pub methods: Vec<String>,
}

/// Takes the second step a provider's sign-in left, once.
pub fn take_second_step() -> Option<WaitingSecondStep> {
    let text = session::take(SECOND_STEP_KEY)?;
    // Read through `Value`, as the API's answers are: one JSON reader in the app.
    serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|value| serde_json::from_value(value).ok())
}

/// Where the provider sends the browser back: this app's callback page for it.
fn callback_url(provider: &str) -> String {
    format!("{}{}", session::origin(), Page::ProviderCallback { provider: provider.to_owned() }.path())
}

/// "Continue with …" for each configured provider; nothing when there is none.
#[component]
pub fn ProviderButtons() -> impl IntoView {
    let api = use_api();
    let query = use_query_map();
    let providers = load(async move { api.get().providers().await.unwrap_or_default() });
    let failed = RwSignal::new(Vec::<String>::new());
    let going = RwSignal::new(None::<String>);
    session::on_return(move || going.set(None));
    let go = move |provider: Provider| {
        failed.set(Vec::new());
        going.set(Some(provider.name.clone()));
        if let Some(next) = query.with_untracked(|q| q.get("next")) {
            session::put(NEXT_KEY, &next);
        }
        spawn(async move {
            match api.get().provider_sign_in_url(&provider.name, &callback_url(&provider.name)).await {
                Ok(url) => session::leave_for(&url),
                Err(error) => {
                    going.set(None);
                    failed.set(error.general(&[]));
                }
            }
        });
    };
    move || {
        let list = providers.get().unwrap_or_default();
        (!list.is_empty()).then(|| {
            view! {
                <div class="providers">
                    <p class="aside">"Or continue with an account you already have:"</p>
                    <Alert messages=failed/>
                    {list
                        .into_iter()
                        .map(|provider| {
                            let name = provider.name.clone();
                            let label = format!("Continue with {}", provider.title);
                            view! {
                                <button
                                    type="button"
                                    class="secondary provider"
                                    disabled=move || going.get().is_some()
                                    aria-busy=move || if going.get().as_deref() == Some(name.as_str()) { "true" } else { "false" }
                                    on:click=move |_| go(provider.clone())
                                >
                                    {label}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            }
        })
    }
}

/// `/o/{provider}/callback`: finishes what the provider answered.
#[component]
pub fn ProviderCallbackPage(provider: String) -> impl IntoView {
    let api = use_api();
    let navigate = use_navigate();
    let query = use_query_map();
    let failed = RwSignal::new(Vec::<String>::new());
    let (code, state, refusal) = query.with_untracked(|q| (q.get("code"), q.get("state"), q.get("error")));
    let finish = {
        let provider = provider.clone();
        async move {
            let (Some(code), Some(state)) = (code, state) else {
                let why = match refusal.as_deref() {
                    Some("access_denied") => "The sign-in was cancelled at the provider.".to_owned(),
                    Some(other) => format!("The provider refused the sign-in ({other})."),
                    None => "This page is where a provider sends you back after signing in.".to_owned(),
                };
                failed.set(vec![why]);
                return;
            };
            let replace = NavigateOptions { replace: true, ..Default::default() };
            match api.get().finish_provider_sign_in(&provider, &code, &state).await {
                Ok(ProviderOutcome::SignedIn(_)) => {
                    let next = session::take(NEXT_KEY);
                    navigate(&routes::after_sign_in(next.as_deref()), replace);
                }
                Ok(ProviderOutcome::SecondFactor { token, methods }) => {
                    let waiting = WaitingSecondStep { token, methods };
                    session::put(SECOND_STEP_KEY, &serde_json::to_string(&waiting).unwrap_or_default());
                    let next = session::take(NEXT_KEY).unwrap_or_else(|| Page::Profile.path());
                    navigate(&routes::sign_in_then(&next, None), replace);
                }
                Ok(ProviderOutcome::Connected(account)) => {
                    let back = format!("{}?connected={}", Page::Profile.path(), routes::encode(&account.title));
                    navigate(&back, replace);
                }
                Err(error) => failed.set(error.general(&[])),
            }
        }
    };
    spawn(finish);
    view! {
        <section class="card" aria-labelledby="callback-heading">
            <h1 id="callback-heading" tabindex="-1">"Signing in"</h1>
            <Show
                when=move || failed.with(Vec::is_empty)
                fallback=move || {
                    view! {
                        <Alert messages=failed/>
                        <p><a href=Page::SignIn.path()>"Back to sign in"</a></p>
                    }
                }
            >
                <p role="status">"Finishing your sign-in…"</p>
            </Show>
        </section>
    }
}

/// The profile's connected accounts: each provider connected, with a way to disconnect it,
/// and the others to connect.
#[component]
pub fn ConnectedAccounts() -> impl IntoView {
    let api = use_api();
    let query = use_query_map();
    let providers = load(async move { api.get().providers().await.unwrap_or_default() });
    let connected = RwSignal::new(None::<Vec<ConnectedAccount>>);
    let failed = RwSignal::new(Vec::<String>::new());
    let done = RwSignal::new(Vec::<String>::new());
    // A connection or disconnection on its way: the buttons wait for it, so none is sent twice.
    let busy = RwSignal::new(false);
    session::on_return(move || busy.set(false));
    let again = RwSignal::new(false);
    if let Some(name) = query.with_untracked(|q| q.get("connected")) {
        done.set(vec![format!("Connected {name}: you can sign in with it from now on.")]);
    }
    let reload = move || {
        spawn(async move {
            match api.get().connected_accounts().await {
                Ok(list) => connected.set(Some(list)),
                Err(error) => failed.set(error.general(&[])),
            }
        })
    };
    reload();
    let connect = move |provider: Provider| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failed.set(Vec::new());
        again.set(false);
        spawn(async move {
            match api.get().connect_provider(&provider.name, &callback_url(&provider.name)).await {
                Ok(url) => session::leave_for(&url),
                Err(error) => {
                    again.set(error.asks_to_sign_in_again());
                    failed.set(error.general(&[]));
                    busy.set(false);
                }
            }
        });
    };
    let disconnect = move |account: ConnectedAccount| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failed.set(Vec::new());
        done.set(Vec::new());
        spawn(async move {
            match api.get().disconnect_provider(&account.provider).await {
                Ok(()) => {
                    done.set(vec![format!("{} was disconnected.", account.title)]);
                    reload();
                    // The button pressed is gone with the connection: the section takes focus.
                    focus_by_id("connected-heading");
                }
                Err(error) => failed.set(error.general(&[])),
            }
            busy.set(false);
        });
    };
    move || {
        let offered = providers.get().unwrap_or_default();
        let linked = connected.get();
        (!offered.is_empty() || linked.as_ref().is_some_and(|list| !list.is_empty())).then(|| {
            let linked = linked.unwrap_or_default();
            let unlinked: Vec<Provider> =
                offered.into_iter().filter(|provider| !linked.iter().any(|a| a.provider == provider.name)).collect();
            view! {
                <section class="card" aria-labelledby="connected-heading">
                    <h2 id="connected-heading" tabindex="-1">"Connected accounts"</h2>
                    <Alert messages=failed/>
                    <SignInAgain shown=again/>
                    <Notices messages=done/>
                    {if linked.is_empty() {
                        view! { <p class="aside">"No other account is connected: you sign in with your password."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="factors">
                                {linked
                                    .into_iter()
                                    .map(|account| {
                                        let label = format!("Disconnect {}", account.title);
                                        let title = account.title.clone();
                                        let email = account.email.clone();
                                        view! {
                                            <li class="factor">
                                                <h3 class="factor-name">{title}</h3>
                                                <p>{email}</p>
                                                <button type="button" class="secondary" disabled=move || busy.get() aria-busy=move || if busy.get() { "true" } else { "false" } on:click=move |_| disconnect(account.clone())>{label}</button>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any()
                    }}
                    {unlinked
                        .into_iter()
                        .map(|provider| {
                            let label = format!("Connect {}", provider.title);
                            view! { <button type="button" class="secondary provider" disabled=move || busy.get() aria-busy=move || if busy.get() { "true" } else { "false" } on:click=move |_| connect(provider.clone())>{label}</button> }
                        })
                        .collect_view()}
                </section>
            }
        })
    }
}

/// The tab's session storage and the browser's address.
mod session {
    #[cfg(target_arch = "wasm32")]
    pub fn put(key: &str, value: &str) {
        use gloo_storage::{SessionStorage, Storage};
        let _ = SessionStorage::set(key, value);
    }

    #[cfg(target_arch = "wasm32")]
    pub fn take(key: &str) -> Option<String> {
        use gloo_storage::{SessionStorage, Storage};
        let value = SessionStorage::get::<String>(key).ok();
        SessionStorage::delete(key);
        value
    }

    #[cfg(target_arch = "wasm32")]
    pub fn origin() -> String {
        leptos::prelude::window().location().origin().unwrap_or_default()
    }

    /// Sends the browser to `url` (a provider's sign-in page).
    #[cfg(target_arch = "wasm32")]
    pub fn leave_for(url: &str) {
        let _ = leptos::prelude::window().location().assign(url);
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn put(_key: &str, _value: &str) {}

    #[cfg(not(target_arch = "wasm32"))]
    pub fn take(_key: &str) -> Option<String> {
        None
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn origin() -> String {
        String::new()
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn leave_for(_url: &str) {}

    /// Runs `again` when the browser shows the page from its back/forward cache (Back from a
    /// provider's page): the page comes back as it was left, its busy buttons included.
    #[cfg(target_arch = "wasm32")]
    pub fn on_return(again: impl Fn() + 'static) {
        listen_for_return(Box::new(again));
    }

    /// One listener's code for every caller.
    #[cfg(target_arch = "wasm32")]
    fn listen_for_return(again: Box<dyn Fn()>) {
        let handle = leptos::prelude::window_event_listener(leptos::ev::pageshow, move |event| {
            if event.persisted() {
                again();
            }
        });
        leptos::prelude::on_cleanup(move || handle.remove());
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn on_return(_again: impl Fn() + 'static) {}
}
