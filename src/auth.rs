//! Who is signed in, as the pages see it: a `Copy` handle of signals, kept in step with the
//! client's session and with the other tabs of the app.

use leptos::prelude::*;

use crate::api::{Client, SessionEvent, User};
use crate::notice::Notice;

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
}

/// A sign-out in another tab signs this one out; a sign-in there signs this one in. Token
/// rotations need nothing: the client reads the stored pair before every request.
#[cfg(target_arch = "wasm32")]
fn watch_other_tabs(auth: Auth, api: Api) {
    use crate::session::STORAGE_KEY;
    let handle = window_event_listener(leptos::ev::storage, move |event| {
        let key = event.key();
        if key.is_some() && key.as_deref() != Some(STORAGE_KEY) {
            return;
        }
        match (event.new_value().is_some(), auth.status.get_untracked()) {
            (false, Status::SignedIn | Status::Checking) => {
                auth.ending(Notice::SignedOutElsewhere);
                auth.signed_out();
            }
            (true, Status::SignedOut) => auth.reload(api),
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
}

#[cfg(not(target_arch = "wasm32"))]
fn watch_other_tabs(_: Auth, _: Api) {}
