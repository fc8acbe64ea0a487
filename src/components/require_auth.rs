//! The guard of the pages the route table marks as needing a signed-in person
//! ([`Page::requires_sign_in`](crate::routes::Page::requires_sign_in)); `app.rs` puts it around
//! them. A signed-out visitor goes to sign in, and comes back here afterwards.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use crate::auth::{use_auth, Status};
use crate::routes;

#[component]
pub fn RequireAuth(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        if auth.status.get() == Status::SignedOut {
            let here = routes::address(
                &location.pathname.get_untracked(),
                &location.search.get_untracked(),
                &location.hash.get_untracked(),
            );
            let to = routes::sign_in_then(&here, auth.reason.get_untracked());
            navigate(&to, NavigateOptions { replace: true, ..Default::default() });
        }
    });
    view! {
        <Show
            when=move || auth.status.get() == Status::SignedIn
            fallback=|| view! { <p class="loading" role="status">"Loading your account…"</p> }
        >
            {children()}
        </Show>
    }
}
