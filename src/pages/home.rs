use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::{use_auth, Status};
use crate::routes::Page;

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_auth();
    let greeting = move || auth.user.get().map(|user| format!("Welcome back, {}.", user.display_name()));
    view! {
        <section class="hero">
            <h1>"Your account, kept safe."</h1>
            <p class="lead">
                "Gatehouse looks after your sign-in: your password, your e-mail address and the links that let you back in."
            </p>
            <Show
                when=move || auth.status.get() == Status::SignedIn
                fallback=|| {
                    view! {
                        <div class="actions">
                            <A href=Page::SignUp.path() attr:class="button-link">"Create an account"</A>
                            <A href=Page::SignIn.path() attr:class="button-link secondary">"I already have an account"</A>
                        </div>
                    }
                }
            >
                <p class="lead">{greeting}</p>
                <div class="actions">
                    <A href=Page::Profile.path() attr:class="button-link">"Go to your profile"</A>
                </div>
            </Show>
        </section>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <p><A href=Page::Home.path()>"Go to the home page"</A></p>
        </section>
    }
}
