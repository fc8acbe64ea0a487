//! Who is signed in, as the pages see it: a `Copy` handle of signals, kept in step with the
//! client's session and with the other tabs of the app.

use leptos::prelude::*;

use crate::api::{Client, SessionEvent, User};
use crate::notice::Notice;
use crate::session::Shared;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A stored session is being checked with the server.
    Checking,
    SignedIn,
    SignedOut,
}

/// The API client, shared through context.
#[derive(Clone, Copy)]
pub struct Api(StoredValue<Client, LocalStorage>);

impl Api {
    pub fn get(self) -> Client {
        self.0.get_value()
    }
}

pub fn use_api() -> Api {
    expect_context::<Api>()
}

/// The signed-in person.
#[derive(Clone, Copy)]
pub struct Auth {
    pub status: RwSignal<Status>,
    pub user: RwSignal<Option<User>>,
    /// Why the session ended, for the sign-in page that a protected page sends the person to.
    pub reason: RwSignal<Option<Notice>>,
    /// Whether the signed-in person is staff, as the staff API last said: it shows them the
    /// console's link. The console's pages decide by the API's answers themselves.
    pub staff: RwSignal<bool>,
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

impl Auth {
    /// Fetches the signed-in person again, after a change to their account.
    pub fn reload(self, api: Api) {
        crate::task::spawn(async move {
            match api.get().me().await {
                Ok(user) => {
                    self.user.set(Some(user));
                    self.status.set(Status::SignedIn);
                }
                Err(error) if error.ends_session() => self.signed_out(),
                // Unreachable for now: the stored session stands, and pages say what failed.
                Err(_) => self.status.set(Status::SignedIn),
            }
        });
    }

    /// Records why the session is about to end (the sign-in page says so).
    pub fn ending(self, reason: Notice) {
        self.reason.set(Some(reason));
    }

    fn signed_out(self) {
        self.user.set(None);
        self.status.set(Status::SignedOut);
    }
}

/// Provides the client and the signed-in state, and keeps them in step with the session and
/// with the other tabs. Protected pages (`components::RequireAuth`, for the pages the route
/// table says need it) react to the state.
pub fn provide(client: Client) {
    let api = Api(StoredValue::new_local(client.clone()));
    let auth = Auth {
        status: RwSignal::new(if client.has_session() { Status::Checking } else { Status::SignedOut }),
        user: RwSignal::new(None),
        reason: RwSignal::new(None),
        staff: RwSignal::new(false),
    };
    provide_context(api);
    provide_context(auth);

    client.on_session(move |event| match event {
        SessionEvent::SignedIn(user) => {
            auth.reason.set(None);
            auth.user.set(Some(user));
            auth.status.set(Status::SignedIn);
        }
        SessionEvent::Refreshed => {}
        SessionEvent::SignedOut => auth.signed_out(),
        SessionEvent::Expired => {
            auth.ending(Notice::SessionExpired);
            auth.signed_out();
        }
    });
    if client.has_session() {
        auth.reload(api);
    }
    watch_other_tabs(auth, api);
    watch_staff(auth, api);
}

/// Asks the staff API whether each person who signs in is staff. The user the API shows a
/// person has no such field; the staff API shows staff their own account and answers
/// "Not found." to anyone else.
fn watch_staff(auth: Auth, api: Api) {
    Effect::new(move |before: Option<Option<u64>>| {
        let person = auth.user.with(|user| user.as_ref().map(|user| user.id));
        if before.as_ref() != Some(&person) {
            auth.staff.set(false);
            if let Some(id) = person {
                crate::task::spawn(async move {
                    let staff = api.get().is_staff(id).await.unwrap_or(false);
                    // Still the same person: another may have signed in meanwhile.
                    if auth.user.with_untracked(|user| user.as_ref().map(|user| user.id)) == Some(id) {
                        auth.staff.set(staff);
                    }
                });
            }
        }
        person
    });
}

/// What another tab's change of the shared state means here: a sign-out there signs this tab
/// out, a session the server ended there ends here too, and a sign-in there (or by someone else)
/// signs this tab in. A renewal there needs nothing: this tab keeps its own access token, and the
/// browser already holds the rotated refresh cookie.
fn other_tab_changed(auth: Auth, api: Api, now: Option<Shared>) {
    let here = auth.status.get_untracked();
    let signed_in_here = matches!(here, Status::SignedIn | Status::Checking);
    match now {
        None if signed_in_here => {
            auth.ending(Notice::SignedOutElsewhere);
            api.get().ended_elsewhere(SessionEvent::SignedOut);
        }
        Some(Shared::Ended) if signed_in_here => {
            auth.ending(Notice::SessionExpired);
            api.get().ended_elsewhere(SessionEvent::Expired);
        }
        Some(Shared::SignedIn(_)) if here == Status::SignedOut => auth.reload(api),
        Some(Shared::SignedIn(marker))
            if auth.user.with_untracked(|user| user.as_ref().is_some_and(|user| user.id != marker.user_id)) =>
        {
            // Someone else signed in in this browser: this tab's token is of the person before.
            api.get().forget_access();
            auth.status.set(Status::Checking);
            auth.reload(api);
        }
        _ => {}
    }
}

#[cfg(target_arch = "wasm32")]
fn watch_other_tabs(auth: Auth, api: Api) {
    use crate::session::STORAGE_KEY;
    let handle = window_event_listener(leptos::ev::storage, move |event| {
        let key = event.key();
        if key.is_some() && key.as_deref() != Some(STORAGE_KEY) {
            return;
        }
        other_tab_changed(auth, api, event.new_value().as_deref().and_then(Shared::from_json));
    });
    on_cleanup(move || handle.remove());
}

#[cfg(not(target_arch = "wasm32"))]
fn watch_other_tabs(auth: Auth, api: Api) {
    let _ = (auth, api, other_tab_changed);
}
