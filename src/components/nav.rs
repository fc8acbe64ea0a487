//! The header: the app's name, where one can go (the staff console too, for staff), and who is
//! signed in.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::{use_api, use_auth, Status};
use crate::notice::Notice;
use crate::routes::Page;

#[component]
pub fn Nav() -> impl IntoView {
    let auth = use_auth();
    let api = use_api();
    let signing_out = RwSignal::new(false);
    let sign_out = move |_| {
        signing_out.set(true);
        auth.ending(Notice::SignedOut);
        crate::task::spawn(async move {
            api.get().sign_out().await;
            signing_out.set(false);
        });
    };
    let who = move || auth.user.get().map(|user| user.username).unwrap_or_default();
    view! {
        <header class="topbar">
            <nav aria-label="Main">
                <A href=Page::Home.path() attr:class="brand">
                    <span class="mark" aria-hidden="true">"◆"</span>
                    " Gatehouse"
                </A>
                <div class="links">
                    <Show
                        when=move || auth.status.get() == Status::SignedIn
                        fallback=move || {
                            view! {
                                <Show when=move || auth.status.get() == Status::SignedOut>
                                    <A href=Page::SignIn.path()>"Sign in"</A>
                                    <A href=Page::SignUp.path() attr:class="button-link">"Sign up"</A>
                                </Show>
                            }
                        }
                    >
                        <A href=Page::Profile.path()>"Profile"</A>
                        <A href=Page::Users.path()>"Users"</A>
                        <Show when=move || auth.staff.get()>
                            <A href=Page::Console.path()>"Staff console"</A>
                        </Show>
                        <span class="who" data-testid="signed-in-as">
                            "Signed in as "
                            <strong>{who}</strong>
                        </span>
                        <button type="button" class="secondary" on:click=sign_out disabled=move || signing_out.get()>
                            {move || if signing_out.get() { "Signing out…" } else { "Sign out" }}
                        </button>
                    </Show>
                </div>
            </nav>
        </header>
    }
}
