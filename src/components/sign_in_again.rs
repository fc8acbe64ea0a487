//! "Sign in again", offered where the server wants a recent sign-in before a change (adding an
//! authenticator app, a passkey or a provider link answers `sign_in_again` once the sign-in is
//! older than the server allows). It signs out; the page's guard then sends the person to sign
//! in, and back to the same page afterwards.

use leptos::prelude::*;

use crate::auth::{use_api, use_auth};
use crate::notice::Notice;

#[component]
pub fn SignInAgain(shown: RwSignal<bool>) -> impl IntoView {
    let auth = use_auth();
    let api = use_api();
    let leaving = RwSignal::new(false);
    let go = move |_| {
        leaving.set(true);
        auth.ending(Notice::SignInAgain);
        crate::task::spawn(async move { api.get().sign_out().await });
    };
    move || {
        shown.get().then(|| {
            view! {
                <p>
                    <button type="button" class="primary" disabled=move || leaving.get() on:click=go>
                        "Sign in again"
                    </button>
                </p>
            }
        })
    }
}
