//! Where the signed-in person is signed in: one entry per session, with its device, address,
//! start and last use, and a way to end any session but this browser's, or all of them at once.
//! The route table marks the page as needing a signed-in person.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{ApiError, SessionInfo};
use crate::auth::use_api;
use crate::components::{Alert, Notices};
use crate::routes::Page;
use crate::task;
use crate::time;

/// How many sessions the server lists at most: the newest, and this browser's after them when
/// it is older (the server's `LISTED_AT_MOST`).
const LISTED_AT_MOST: usize = 100;

/// Whether a list of `listed` sessions may have been cut short by the server.
fn may_be_cut_short(listed: usize) -> bool {
    listed >= LISTED_AT_MOST
}

/// An action under way: which button shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ending {
    One(String),
    Others,
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    let api = use_api();
    let sessions = RwSignal::new(None::<Vec<SessionInfo>>);
    let failed = RwSignal::new(Vec::<String>::new());
    let done = RwSignal::new(Vec::<String>::new());
    let ending = RwSignal::new(None::<Ending>);

    // Reads the list again; a failure is announced and the list shown before stays.
    let reload = move || async move {
        match api.get().sessions().await {
            Ok(list) => sessions.set(Some(list)),
            Err(error) => announce_failure(failed, &error),
        }
    };
    task::spawn(reload());

    // Ends what `what` names, then says so, reads the list again and puts the keyboard back at
    // the top of the page: the button that was pressed is gone.
    let end = move |what: Ending, said: String| {
        if ending.get_untracked().is_some() {
            return;
        }
        failed.set(Vec::new());
        done.set(Vec::new());
        ending.set(Some(what.clone()));
        task::spawn(async move {
            let client = api.get();
            let result = match &what {
                Ending::One(id) => client.end_other_session(id).await,
                Ending::Others => client.end_other_sessions().await,
            };
            match result {
                Ok(()) => done.set(vec![said]),
                Err(error) => announce_failure(failed, &error),
            }
            reload().await;
            ending.set(None);
            focus_heading();
        });
    };

    view! {
        <section class="card wide" aria-labelledby="sessions-heading">
            <h1 id="sessions-heading" tabindex="-1">"Your sessions"</h1>
            <p class="lead">
                "The browsers and devices signed in to your account. Sign out of any you do not recognise, then change your password."
            </p>
            <Alert messages=failed/>
            <Notices messages=done/>
            {move || match sessions.get() {
                None => view! { <p class="loading">"Loading your sessions…"</p> }.into_any(),
                Some(list) => {
                    let others = list.iter().filter(|session| !session.current).count();
                    let cut_short = may_be_cut_short(list.len());
                    view! {
                        <ul class="sessions" aria-label="Signed-in sessions">
                            {list
                                .into_iter()
                                .map(|session| view! { <SessionEntry session=session ending=ending end=end/> })
                                .collect_view()}
                        </ul>
                        {(others > 0)
                            .then(|| {
                                view! {
                                    <div class="actions">
                                        <button
                                            type="button"
                                            class="danger"
                                            disabled=move || ending.get().is_some()
                                            aria-busy=move || if ending.get() == Some(Ending::Others) { "true" } else { "false" }
                                            on:click=move |_| end(Ending::Others, "You were signed out of every other device.".to_owned())
                                        >
                                            {move || if ending.get() == Some(Ending::Others) { "Signing out…" } else { "Sign out of all other devices" }}
                                        </button>
                                    </div>
                                }
                            })}
                        {cut_short
                            .then(|| {
                                view! {
                                    <p class="aside">
                                        {format!(
                                            "Only your {LISTED_AT_MOST} most recent sessions are listed. “Sign out of all other devices” signs out of every one, listed or not.",
                                        )}
                                    </p>
                                }
                            })}
                        {(others == 0).then(|| view! { <p class="aside">"You are not signed in anywhere else."</p> })}
                    }
                        .into_any()
                }
            }}
            <ul class="aside links-list">
                <li><A href=Page::Activity.path()>"Your recent activity"</A></li>
                <li><A href=Page::Profile.path()>"Back to your profile"</A></li>
            </ul>
        </section>
    }
}

/// One session of the list. Another browser's has a button that ends it, named after it.
#[component]
fn SessionEntry(
    session: SessionInfo,
    ending: RwSignal<Option<Ending>>,
    end: impl Fn(Ending, String) + Copy + 'static,
) -> impl IntoView {
    let device = session.device_name().to_owned();
    let created = time::local(&session.created);
    let last_used = time::local(&session.last_used);
    let address = session.ip.clone().filter(|ip| !ip.trim().is_empty()).unwrap_or_else(|| "Unknown".to_owned());
    let current = session.current;
    let id = session.id.clone();
    let mine = Ending::One(id.clone());
    let button = (!current).then(|| {
        let said = format!("You were signed out of {device}.");
        let which = format!(" {device}, signed in {created}");
        let is_mine = mine.clone();
        let pending = Signal::derive(move || ending.with(|ending| ending.as_ref() == Some(&is_mine)));
        view! {
            <button
                type="button"
                class="secondary"
                disabled=move || ending.get().is_some()
                aria-busy=move || if pending.get() { "true" } else { "false" }
                on:click=move |_| end(Ending::One(id.clone()), said.clone())
            >
                {move || if pending.get() { "Signing out…" } else { "Sign out" }}
                <span class="visually-hidden">{which}</span>
            </button>
        }
    });
    view! {
        <li class="session" class:current=current>
            <h2 class="session-device">
                {device.clone()}
                {current.then(|| view! { <span class="badge">"This device"</span> })}
            </h2>
            <dl class="facts">
                <dt>"Address"</dt>
                <dd>{address}</dd>
                <dt>"Signed in"</dt>
                <dd><time datetime=session.created.clone()>{created.clone()}</time></dd>
                <dt>"Last used"</dt>
                <dd><time datetime=session.last_used.clone()>{last_used}</time></dd>
            </dl>
            {button}
        </li>
    }
}

fn announce_failure(failed: RwSignal<Vec<String>>, error: &ApiError) {
    // A session that ended meanwhile sends the person to sign in (the page's guard): nothing to say here.
    if !error.ends_session() {
        failed.set(error.general(&[]));
    }
}

/// Puts the keyboard on the page's heading, once the view shows the new list.
fn focus_heading() {
    #[cfg(target_arch = "wasm32")]
    request_animation_frame(|| {
        use wasm_bindgen::JsCast;
        let heading = document().get_element_by_id("sessions-heading");
        if let Some(heading) = heading.and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = heading.focus();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_as_long_as_the_servers_bound_is_said_to_show_only_the_newest() {
        assert!(!may_be_cut_short(2));
        assert!(!may_be_cut_short(99));
        assert!(may_be_cut_short(100));
        assert!(may_be_cut_short(101));
    }
}
