//! The API client's interceptor in a real browser, against a fake server: the refresh token
//! travels only in the (simulated) HttpOnly cookie, the access token stays in memory, a refresh
//! is single-flight and retried once after losing the race to another tab, sign-out forgets the
//! session before it tells the server, and a refused refresh ends the session everywhere.
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use base64::Engine;
use gatehouse_app::api::transport::{Method, Pending, Request, Response, Transport};
use gatehouse_app::api::{ApiError, Client, Clock, SessionEvent, SignInStep};
use gatehouse_app::session::{storage, Marker, Shared};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ADA: &str =
    r#""id":1,"first_name":"Ada","last_name":"","username":"ada","email":"ada@example.com","is_active":true"#;

/// A server in memory, with the browser's cookie jar: one valid access token and one valid
/// refresh cookie at a time, rotated on every refresh.
#[derive(Default)]
struct Server {
    access: RefCell<String>,
    refresh: RefCell<String>,
    /// The refresh cookie the browser holds, sent with the token endpoints in cookie mode.
    jar: RefCell<Option<String>>,
    minted: Cell<u32>,
    /// Every token this server ever gave out, to look for in storage.
    given_out: RefCell<Vec<String>>,
    /// When set, access tokens are JWTs that live this many seconds.
    lifetime: Cell<Option<u64>>,
    /// What `jwt/refresh/` answers instead of rotating, when set.
    refresh_refusal: RefCell<Option<Response>>,
    /// What a spent refresh cookie is refused with: SimpleJWT's words in the server's language.
    blacklisted: RefCell<String>,
    /// Whether `users/me/` refuses every token, even fresh ones.
    refuse_everything: Cell<bool>,
    /// Whether `jwt/blacklist/` cannot be reached.
    unreachable_blacklist: Cell<bool>,
    requests: RefCell<Vec<Request>>,
    /// The path of each request answered so far, in the order of the answers.
    answered: RefCell<Vec<String>>,
    /// The shared state as each request left the browser.
    shared_at_request: RefCell<Vec<Option<Shared>>>,
    /// How many session events had been seen as each request left the browser.
    events_at_request: RefCell<Vec<usize>>,
    events: Rc<RefCell<Vec<SessionEvent>>>,
    storage_key: String,
}

impl Server {
    fn new(storage_key: &str) -> Rc<Server> {
        Rc::new(Server {
            storage_key: storage_key.into(),
            blacklisted: RefCell::new("Token is blacklisted".into()),
            ..Default::default()
        })
    }

    fn count(&self, path: &str) -> usize {
        self.requests.borrow().iter().filter(|r| r.path == path).count()
    }

    fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests.borrow().iter().filter(|r| r.path == path).cloned().collect()
    }

    /// A new access token and refresh cookie; the old ones are no longer accepted.
    fn rotate(&self) -> String {
        let n = self.minted.get() + 1;
        self.minted.set(n);
        let access = match self.lifetime.get() {
            Some(seconds) => jwt(100, 100 + seconds, &format!("access-secret-{n}")),
            None => format!("access-secret-{n}"),
        };
        let refresh = format!("refresh-secret-{n}");
        *self.access.borrow_mut() = access.clone();
        *self.refresh.borrow_mut() = refresh.clone();
        *self.jar.borrow_mut() = Some(refresh.clone());
        self.given_out.borrow_mut().extend([access.clone(), refresh]);
        access
    }

    fn answer(&self, request: &Request) -> Response {
        let cookie_mode = request.header("X-Token-Transport") == Some("cookie");
        let cookie = if cookie_mode { self.jar.borrow().clone() } else { None };
        match request.path.as_str() {
            "jwt/create/" => {
                assert!(cookie_mode, "sign-in asks for cookie mode");
                let access = self.rotate();
                ok(&format!(r#"{{"access":"{access}",{ADA}}}"#))
            }
            "jwt/refresh/" => {
                assert!(cookie_mode, "the refresh asks for cookie mode");
                assert_eq!(request.body.as_deref(), Some("{}"), "no token in the body");
                assert_eq!(request.bearer, None);
                if let Some(refusal) = self.refresh_refusal.borrow().clone() {
                    return refusal;
                }
                match cookie {
                    None => Response { status: 400, body: r#"{"refresh":["This field is required."]}"#.into() },
                    Some(cookie) if cookie != *self.refresh.borrow() => refused(&self.blacklisted.borrow()),
                    Some(_) => {
                        let access = self.rotate();
                        ok(&format!(r#"{{"access":"{access}"}}"#))
                    }
                }
            }
            "jwt/blacklist/" => {
                self.jar.borrow_mut().take();
                ok("{}")
            }
            "users/me/" => {
                if self.refuse_everything.get() || request.bearer.as_deref() != Some(self.access.borrow().as_str()) {
                    return Response {
                        status: 401,
                        body: r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[]}"#.into(),
                    };
                }
                ok(&format!("{{{ADA}}}"))
            }
            "users/me/sessions/" => ok(
                r#"[{"id":"0123456789abcdef0123456789abcdef","created":"2026-11-29T16:00:00Z","last_used":"2026-11-29T16:05:00Z","ip":"127.0.0.1","user_agent":"Mozilla/5.0","device":"Chrome on Linux","method":"password","current":true},
                    {"id":"fedcba9876543210fedcba9876543210","created":"2026-11-28T09:00:00Z","last_used":"2026-11-28T09:30:00Z","ip":"10.0.0.2","user_agent":"Mozilla/5.0","device":"Firefox on Windows 10","method":"password","current":false}]"#,
            ),
            "users/revert_email/" if request.body.as_deref().is_some_and(|body| body.contains(r#""used""#)) => {
                Response { status: 400, body: r#"{"token":["Invalid token for given user."]}"#.into() }
            }
            "users/revert_email/" => Response { status: 204, body: String::new() },
            "users/" => Response { status: 201, body: format!("{{{ADA}}}") },
            "users/set_password/" | "users/reset_password_confirm/" => Response { status: 204, body: String::new() },
            "users/me/sessions/fedcba9876543210fedcba9876543210/" | "users/me/sessions/revoke/" => {
                Response { status: 204, body: String::new() }
            }
            other => panic!("unexpected request to {other}"),
        }
    }
}

fn ok(body: &str) -> Response {
    Response { status: 200, body: body.into() }
}

fn refused(detail: &str) -> Response {
    Response { status: 401, body: format!(r#"{{"detail":"{detail}","code":"token_not_valid"}}"#) }
}

fn jwt(iat: u64, exp: u64, tag: &str) -> String {
    let payload = format!(r#"{{"token_type":"access","iat":{iat},"exp":{exp},"jti":"{tag}"}}"#);
    format!("h.{}.s", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload))
}

/// Every answer takes a few milliseconds, so that concurrent requests really overlap.
struct Fake(Rc<Server>);

impl Transport for Fake {
    fn send(&self, request: Request) -> Pending {
        let server = self.0.clone();
        Box::pin(async move {
            server.requests.borrow_mut().push(request.clone());
            server.shared_at_request.borrow_mut().push(storage::load(&server.storage_key));
            server.events_at_request.borrow_mut().push(server.events.borrow().len());
            gloo_timers::future::TimeoutFuture::new(5).await;
            if request.path == "jwt/blacklist/" && server.unreachable_blacklist.get() {
                return Err("TypeError: Failed to fetch".into());
            }
            let answer = server.answer(&request);
            server.answered.borrow_mut().push(request.path.clone());
            Ok(answer)
        })
    }
}

struct TestClock(Rc<Cell<f64>>);

impl Clock for TestClock {
    fn now(&self) -> f64 {
        self.0.get()
    }

    fn pause(&self, ms: u32) -> Pin<Box<dyn Future<Output = ()>>> {
        Box::pin(gloo_timers::future::TimeoutFuture::new(ms.min(20)))
    }
}

struct Setup {
    client: Client,
    server: Rc<Server>,
    events: Rc<RefCell<Vec<SessionEvent>>>,
    key: String,
    now: Rc<Cell<f64>>,
}

/// A fresh browser (storage under a key of its own) and server, signed out.
fn browser(name: &str) -> Setup {
    let key = format!("test.{name}");
    storage::clear(&key);
    let events = Rc::new(RefCell::new(Vec::new()));
    let server = Rc::new(Server {
        storage_key: key.clone(),
        events: events.clone(),
        blacklisted: RefCell::new("Token is blacklisted".into()),
        ..Default::default()
    });
    let now = Rc::new(Cell::new(0.0));
    let client = Client::new(Fake(server.clone()), TestClock(now.clone()), &key);
    let seen = events.clone();
    client.on_session(move |event| seen.borrow_mut().push(event));
    Setup { client, server, events, key, now }
}

/// Forgets what the server and the listener saw so far.
fn forget_history(setup: &Setup) {
    setup.server.requests.borrow_mut().clear();
    setup.server.answered.borrow_mut().clear();
    setup.server.shared_at_request.borrow_mut().clear();
    setup.server.events_at_request.borrow_mut().clear();
    setup.events.borrow_mut().clear();
}

/// Signed in, with an access token the server no longer accepts and a valid refresh cookie.
async fn setup(name: &str) -> Setup {
    let setup = browser(name);
    setup.client.sign_in("ada", "secret").await.unwrap();
    *setup.server.access.borrow_mut() = "no-longer-accepted".into();
    forget_history(&setup);
    setup
}

fn shared(key: &str) -> Option<Shared> {
    storage::load(key)
}

fn generation(key: &str) -> u64 {
    shared(key).and_then(Shared::marker).map(|marker| marker.generation).expect("signed in")
}

/// Every key and value of the page's LocalStorage and SessionStorage.
fn everything_stored() -> Vec<String> {
    let window = web_sys::window().unwrap();
    let mut found = Vec::new();
    for storage in [window.local_storage().unwrap().unwrap(), window.session_storage().unwrap().unwrap()] {
        for index in 0..storage.length().unwrap() {
            let key = storage.key(index).unwrap().unwrap();
            let value = storage.get_item(&key).unwrap().unwrap_or_default();
            found.push(key);
            found.push(value);
        }
    }
    found
}

#[wasm_bindgen_test]
async fn signing_in_keeps_the_access_token_in_memory_and_tells_other_tabs_only_who_signed_in() {
    let setup = browser("sign-in");
    let SignInStep::SignedIn(user) = setup.client.sign_in("ada", "secret").await.unwrap() else {
        panic!("an account without a second factor is signed in at once");
    };
    assert_eq!(user.username, "ada");
    let sign_in = &setup.server.requests_to("jwt/create/")[0];
    assert_eq!(sign_in.header("X-Token-Transport"), Some("cookie"));
    assert_eq!(
        shared(&setup.key),
        Some(Shared::SignedIn(Marker { user_id: 1, username: "ada".into(), generation: 0, refreshed_at: 0.0 }))
    );
    assert_eq!(setup.events.borrow().as_slice(), [SessionEvent::SignedIn(user)]);

    setup.client.me().await.unwrap();
    let me = setup.server.requests_to("users/me/");
    assert_eq!(me[0].bearer.as_deref(), Some("access-secret-1"), "the token of the sign-in, from memory");
    assert_eq!(setup.server.count("jwt/refresh/"), 0);
}

#[wasm_bindgen_test]
async fn no_token_is_ever_written_to_local_or_session_storage() {
    let setup = setup("no-token-stored").await;
    setup.client.me().await.unwrap();
    assert_eq!(setup.server.count("jwt/refresh/"), 1);
    let given_out = setup.server.given_out.borrow().clone();
    assert_eq!(given_out.len(), 4, "two access tokens and two refresh cookies");
    let stored = everything_stored();
    for token in &given_out {
        assert!(!stored.iter().any(|text| text.contains(token.as_str())), "{token} is in storage: {stored:?}");
    }
    assert!(!stored.iter().any(|text| text.contains("secret")), "{stored:?}");
}

#[wasm_bindgen_test]
async fn five_requests_refused_at_once_cause_exactly_one_refresh_and_all_succeed() {
    let Setup { client, server, .. } = setup("single-flight").await;
    let calls = (0..5).map(|_| {
        let client = client.clone();
        async move { client.me().await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| r.as_ref().is_ok_and(|user| user.username == "ada")), "{results:?}");
    assert_eq!(server.count("jwt/refresh/"), 1);
    assert_eq!(server.count("users/me/"), 10, "five refused, five retried");
    let retried: Vec<_> = server.requests_to("users/me/").into_iter().skip(5).map(|r| r.bearer).collect();
    assert!(retried.iter().all(|bearer| bearer.as_deref() == Some("access-secret-2")), "{retried:?}");
}

#[wasm_bindgen_test]
async fn a_tab_opened_on_a_signed_in_browser_gets_its_access_token_with_the_refresh_cookie() {
    // Another tab signed in: this one finds the shared state and the cookie, and no token.
    let other_tab = browser("new-tab");
    other_tab.client.sign_in("ada", "secret").await.unwrap();
    let Setup { server, key, .. } = other_tab;
    let now = Rc::new(Cell::new(50.0));
    let client = Client::new(Fake(server.clone()), TestClock(now), &key);
    server.requests.borrow_mut().clear();

    assert!(client.has_session());
    assert_eq!(client.me().await.unwrap().username, "ada");
    let paths: Vec<String> = server.requests.borrow().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["jwt/refresh/", "users/me/"]);
    assert_eq!(server.requests_to("users/me/")[0].bearer.as_deref(), Some("access-secret-2"));
    let marker = shared(&key).and_then(Shared::marker).unwrap();
    assert_eq!((marker.generation, marker.refreshed_at), (1, 50.0), "the other tabs see the renewal");
}

/// A refresh of this tab that loses the race to another tab: the other tab has just spent the
/// same cookie (the server rotated it, but its answer, which sets the new cookie in the browser,
/// is still on its way), and says it renewed the session once this tab's refresh was refused.
/// Checks that this tab then renews the session too, and nobody is signed out.
async fn lose_one_race(name: &str, blacklisted: &str) {
    let Setup { client, server, events, key, .. } = setup(name).await;
    *server.blacklisted.borrow_mut() = blacklisted.into();
    let before = generation(&key);
    let spent = server.jar.borrow().clone();
    server.rotate();
    *server.jar.borrow_mut() = spent;
    let rotated_cookie = server.refresh.borrow().clone();
    let other_tab = async {
        refreshes_answered(&server, 1).await;
        renewed_elsewhere(&server, &key, rotated_cookie);
    };

    let (user, ()) = futures::future::join(client.me(), other_tab).await;
    assert_eq!(user.unwrap().username, "ada");
    assert_eq!(server.count("jwt/refresh/"), 2, "refused once, retried once");
    assert!(!events.borrow().contains(&SessionEvent::Expired), "{:?}", events.borrow());
    assert_eq!(generation(&key), before + 2, "the other tab's renewal, then this one's");
}

#[wasm_bindgen_test]
async fn a_refresh_that_lost_the_race_to_another_tab_is_retried_once_with_the_rotated_cookie() {
    lose_one_race("lost-race", "Token is blacklisted").await;
}

#[wasm_bindgen_test]
async fn a_refresh_lost_to_another_tab_on_a_server_that_speaks_another_language_is_retried_too() {
    lose_one_race("lost-in-german", "Token steht auf der Blacklist").await;
}

/// Waits (yielding to the client) until the fake server has answered `n` refreshes.
async fn refreshes_answered(server: &Server, n: usize) {
    while server.answered.borrow().iter().filter(|path| *path == "jwt/refresh/").count() < n {
        gloo_timers::future::TimeoutFuture::new(1).await;
    }
}

/// Another tab's renewal as this one learns of it: the browser holds `cookie`, and the shared
/// state's generation moves on.
fn renewed_elsewhere(server: &Server, key: &str, cookie: String) {
    *server.jar.borrow_mut() = Some(cookie);
    let mut marker = shared(key).and_then(Shared::marker).unwrap();
    marker.generation += 1;
    storage::save(key, &Shared::SignedIn(marker));
}

#[wasm_bindgen_test]
async fn a_refresh_that_loses_the_race_to_two_other_tabs_in_turn_waits_for_both_and_renews() {
    let Setup { client, server, events, key, .. } = setup("lost-twice").await;
    let before = generation(&key);
    // Three tabs refresh at once: the first spends the cookie this tab sends, and the second
    // spends the one the first rotated in before this tab can try it.
    let spent = server.jar.borrow().clone();
    server.rotate();
    let first = server.refresh.borrow().clone();
    *server.jar.borrow_mut() = spent;
    let other_tabs = async {
        refreshes_answered(&server, 1).await;
        server.rotate();
        let second = server.refresh.borrow().clone();
        renewed_elsewhere(&server, &key, first);
        refreshes_answered(&server, 2).await;
        renewed_elsewhere(&server, &key, second);
    };

    let (user, ()) = futures::future::join(client.me(), other_tabs).await;
    assert_eq!(user.unwrap().username, "ada");
    assert_eq!(server.count("jwt/refresh/"), 3, "refused twice, then renewed");
    assert!(!events.borrow().contains(&SessionEvent::Expired), "{:?}", events.borrow());
    assert_eq!(generation(&key), before + 3, "the two other tabs' renewals, then this one's");
}

#[wasm_bindgen_test]
async fn a_refused_refresh_that_no_other_tab_explains_ends_the_session_without_a_second_try() {
    let Setup { client, server, events, key, .. } = setup("lost-alone").await;
    // The session was ended elsewhere: the server refuses the cookie, and no tab renews it.
    *server.refresh.borrow_mut() = "ended-elsewhere".into();
    assert_eq!(client.me().await, Err(ApiError::SessionExpired));
    assert_eq!(server.count("jwt/refresh/"), 1);
    assert_eq!(shared(&key), Some(Shared::Ended), "every tab learns that the session ended");
    assert_eq!(events.borrow().as_slice(), [SessionEvent::Expired]);
}

#[wasm_bindgen_test]
async fn a_request_refused_again_after_the_refresh_is_not_retried_twice() {
    let Setup { client, server, events, key, .. } = setup("retry-once").await;
    server.refuse_everything.set(true);
    assert_eq!(client.me().await, Err(ApiError::SessionExpired));
    assert_eq!(server.count("users/me/"), 2);
    assert_eq!(server.count("jwt/refresh/"), 1);
    assert_eq!(shared(&key), Some(Shared::Ended));
    assert_eq!(events.borrow().last(), Some(&SessionEvent::Expired));
}

#[wasm_bindgen_test]
async fn a_refused_refresh_ends_the_session_once_with_the_ended_event() {
    let Setup { client, server, events, key, .. } = setup("refresh-fails").await;
    *server.refresh_refusal.borrow_mut() = Some(refused("Token is invalid or expired"));
    let calls = (0..3).map(|_| {
        let client = client.clone();
        async move { client.me().await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| r.as_ref().is_err_and(ApiError::ends_session)), "{results:?}");
    assert_eq!(server.count("jwt/refresh/"), 1);
    assert_eq!(server.count("users/me/"), 3);
    assert_eq!(shared(&key), Some(Shared::Ended));
    assert_eq!(events.borrow().iter().filter(|e| **e == SessionEvent::Expired).count(), 1);
    assert!(!client.has_session());
}

#[wasm_bindgen_test]
async fn a_browser_without_the_refresh_cookie_ends_the_session() {
    let Setup { client, server, events, key, .. } = setup("no-cookie").await;
    server.jar.borrow_mut().take();
    assert_eq!(client.me().await, Err(ApiError::SessionExpired));
    assert_eq!(shared(&key), Some(Shared::Ended));
    assert_eq!(events.borrow().as_slice(), [SessionEvent::Expired]);
}

#[wasm_bindgen_test]
async fn a_server_error_during_refresh_keeps_the_session() {
    let Setup { client, server, key, .. } = setup("refresh-500").await;
    *server.refresh_refusal.borrow_mut() = Some(Response { status: 503, body: String::new() });
    assert_eq!(client.me().await, Err(ApiError::Unexpected(503)));
    assert!(matches!(shared(&key), Some(Shared::SignedIn(_))));
}

#[wasm_bindgen_test]
async fn an_access_token_about_to_expire_is_refreshed_before_the_request() {
    let setup = browser("proactive");
    // Five-second tokens; one received at t=0 is inside its last second at t=4.5 s.
    setup.server.lifetime.set(Some(5));
    setup.client.sign_in("ada", "secret").await.unwrap();
    forget_history(&setup);
    let Setup { client, server, now, .. } = setup;

    now.set(3_000.0);
    client.me().await.unwrap();
    assert_eq!(server.count("jwt/refresh/"), 0, "not yet due at 3 s");

    now.set(4_500.0);
    client.me().await.unwrap();
    assert_eq!(server.count("jwt/refresh/"), 1);
    let requests = server.requests.borrow();
    let last = requests.last().unwrap();
    assert_eq!((last.method, last.path.as_str()), (Method::Get, "users/me/"));
    assert_eq!(last.bearer.as_deref(), Some(server.access.borrow().as_str()));
    assert_eq!(server.count("users/me/"), 2, "no request was refused");
}

#[wasm_bindgen_test]
async fn signing_out_forgets_the_session_here_before_telling_the_server_with_a_keepalive_request() {
    let Setup { client, server, events, key, .. } = setup("sign-out").await;
    client.sign_out().await;

    let requests = server.requests.borrow().clone();
    assert_eq!(requests.len(), 1);
    let blacklist = &requests[0];
    assert_eq!((blacklist.method, blacklist.path.as_str()), (Method::Post, "jwt/blacklist/"));
    assert_eq!(blacklist.header("X-Token-Transport"), Some("cookie"));
    assert_eq!(blacklist.body.as_deref(), Some("{}"));
    assert_eq!(blacklist.bearer, None);
    assert!(blacklist.keepalive, "the browser finishes it even if the page closes");
    assert_eq!(server.shared_at_request.borrow()[0], None, "the other tabs were told before the request left");
    assert_eq!(server.events_at_request.borrow()[0], 1, "this tab signed out before the request left");
    assert_eq!(events.borrow().as_slice(), [SessionEvent::SignedOut]);
    assert_eq!(shared(&key), None);
    assert_eq!(*server.jar.borrow(), None, "the server removed the cookie");

    assert_eq!(client.me().await, Err(ApiError::SignedOut));
    assert_eq!(server.requests.borrow().len(), 1, "nothing is sent in the name of a signed-out person");
}

#[wasm_bindgen_test]
async fn an_unreachable_server_does_not_keep_the_person_signed_in() {
    let Setup { client, server, events, key, .. } = setup("sign-out-offline").await;
    server.unreachable_blacklist.set(true);
    client.sign_out().await;
    assert_eq!(shared(&key), None);
    assert!(!client.has_session());
    assert_eq!(events.borrow().as_slice(), [SessionEvent::SignedOut]);
}

#[wasm_bindgen_test]
async fn a_sign_out_in_another_tab_stops_this_tabs_requests() {
    let Setup { client, server, key, .. } = setup("other-tab-signs-out").await;
    storage::clear(&key);
    assert_eq!(client.me().await, Err(ApiError::SignedOut));
    assert!(server.requests.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn without_a_session_nothing_is_sent() {
    let Setup { client, server, .. } = browser("signed-out");
    assert_eq!(client.me().await, Err(ApiError::SignedOut));
    assert!(server.requests.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn a_token_pair_left_in_storage_by_an_earlier_version_is_removed() {
    let key = "test.earlier-version";
    let local = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    local.set_item(key, r#"{"access":"a","refresh":"r","access_expires_at":1.0,"access_lifetime":300000.0}"#).unwrap();
    let client = Client::new(Fake(Server::new(key)), TestClock(Rc::new(Cell::new(0.0))), key);
    assert!(!client.has_session());
    assert_eq!(local.get_item(key).unwrap(), None);
}

#[wasm_bindgen_test]
async fn the_sessions_are_listed_and_ended_through_their_endpoints() {
    let Setup { client, server, .. } = browser("sessions");
    client.sign_in("ada", "secret").await.unwrap();
    server.requests.borrow_mut().clear();

    let sessions = client.sessions().await.unwrap();
    let devices: Vec<(&str, bool)> = sessions.iter().map(|s| (s.device_name(), s.current)).collect();
    assert_eq!(devices, [("Chrome on Linux", true), ("Firefox on Windows 10", false)]);
    client.end_other_session(&sessions[1].id).await.unwrap();
    client.end_other_sessions().await.unwrap();

    let requests = server.requests.borrow();
    let sent: Vec<(Method, &str, Option<&str>)> =
        requests.iter().map(|r| (r.method, r.path.as_str(), r.body.as_deref())).collect();
    assert_eq!(
        sent,
        [
            (Method::Get, "users/me/sessions/", None),
            (Method::Delete, "users/me/sessions/fedcba9876543210fedcba9876543210/", None),
            (Method::Post, "users/me/sessions/revoke/", Some(r#"{"scope":"others"}"#)),
        ]
    );
    assert!(requests.iter().all(|r| r.bearer.as_deref() == Some("access-secret-1")));
}

#[wasm_bindgen_test]
async fn taking_back_an_e_mail_change_forgets_the_session_in_every_tab_without_a_blacklist_request() {
    let Setup { client, server, events, key, .. } = setup("revert-email").await;
    client.revert_email("MQ", "abc-123").await.unwrap();

    let requests = server.requests.borrow().clone();
    let sent: Vec<(Method, &str, Option<&str>, Option<&str>)> =
        requests.iter().map(|r| (r.method, r.path.as_str(), r.bearer.as_deref(), r.body.as_deref())).collect();
    assert_eq!(sent, [(Method::Post, "users/revert_email/", None, Some(r#"{"token":"abc-123","uid":"MQ"}"#))]);
    assert_eq!(events.borrow().as_slice(), [SessionEvent::SignedOut]);
    assert_eq!(shared(&key), None, "the other tabs follow");
    assert!(!client.has_session());
}

#[wasm_bindgen_test]
async fn a_refused_e_mail_revert_link_keeps_the_session() {
    let Setup { client, events, key, .. } = setup("revert-email-used").await;
    let refused = client.revert_email("MQ", "used").await.unwrap_err();
    assert_eq!(refused.field("token"), ["Invalid token for given user."]);
    assert!(events.borrow().is_empty());
    assert!(shared(&key).is_some());
}

#[wasm_bindgen_test]
async fn taking_back_an_e_mail_change_in_a_signed_out_browser_emits_nothing() {
    let Setup { client, server, events, .. } = browser("revert-email-signed-out");
    client.revert_email("MQ", "abc-123").await.unwrap();
    assert!(events.borrow().is_empty());
    assert_eq!(server.count("users/revert_email/"), 1);
}

#[wasm_bindgen_test]
async fn a_confirmed_password_is_sent_as_djosers_retype_field_too() {
    let Setup { client, server, .. } = setup("retype").await;
    let account = gatehouse_app::api::NewAccount {
        username: "bea".into(),
        email: "bea@example.com".into(),
        password: "a-long-secret".into(),
        ..Default::default()
    };
    client.register(&account).await.unwrap();
    client.set_password("old-secret", "new-secret").await.unwrap();
    client.reset_password("MQ", "link-token", "newer-secret").await.unwrap();

    let body = |path: &str| -> serde_json::Value {
        serde_json::from_str(server.requests_to(path)[0].body.as_deref().unwrap()).unwrap()
    };
    assert_eq!(body("users/")["re_password"], "a-long-secret");
    assert_eq!(body("users/set_password/")["re_new_password"], "new-secret");
    assert_eq!(body("users/reset_password_confirm/")["re_new_password"], "newer-secret");
}
