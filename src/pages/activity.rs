//! The signed-in person's recent activity: the latest thirty events of their account, newest
//! first, each said in words (`events.rs`) with its time. The route table marks the page as
//! needing a signed-in person.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::Event;
use crate::auth::use_api;
use crate::components::Alert;
use crate::events;
use crate::routes::Page;
use crate::task;
use crate::time;

#[component]
pub fn ActivityPage() -> impl IntoView {
    let client = use_api().get();
    let activity = task::load(async move { client.activity().await });
    view! {
        <section class="card wide" aria-labelledby="activity-heading">
            <h1 id="activity-heading">"Recent activity"</h1>
            <p class="lead">
                "The latest things that happened to your account, newest first. If you see a sign-in that was not you, change your password and sign out of your other sessions."
            </p>
            {move || match activity.get() {
                None => view! { <p class="loading" role="status">"Loading your activity…"</p> }.into_any(),
                // A session that ended meanwhile sends the person to sign in (the page's guard).
                Some(Err(error)) if error.ends_session() => ().into_any(),
                Some(Err(error)) => view! { <Alert messages=error.general(&[])/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => {
                    view! { <p>"Nothing has happened to your account yet."</p> }.into_any()
                }
                Some(Ok(list)) => view! {
                    <ol class="events" aria-label="Recent activity, newest first">
                        {list.into_iter().map(|event| view! { <ActivityEntry event=event/> }).collect_view()}
                    </ol>
                }
                .into_any(),
            }}
            <ul class="aside links-list">
                <li><A href=Page::Sessions.path()>"Your sessions"</A></li>
                <li><A href=Page::ChangePassword.path()>"Change password"</A></li>
                <li><A href=Page::Profile.path()>"Back to your profile"</A></li>
            </ul>
        </section>
    }
}

/// One event: what happened, and when.
#[component]
fn ActivityEntry(event: Event) -> impl IntoView {
    let said = events::sentence(&event);
    let when = time::local(&event.at);
    view! {
        <li class="event">
            <span class="event-what">{said}</span>
            <time class="event-time" datetime=event.at.clone()>{when}</time>
        </li>
    }
}
