//! The API client's interceptor in a real browser, against a fake transport: single-flight
//! refresh, one retry, rotation stored at once, proactive refresh, and clean sign-out.
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use base64::Engine;
use gatehouse_app::api::transport::{Method, Pending, Request, Response, Transport};
use gatehouse_app::api::{ApiError, Client, Clock, SessionEvent};
use gatehouse_app::session::{storage, Tokens};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A server in memory: one valid access token and one valid refresh token at a time.
#[derive(Default)]
struct Server {
    access: RefCell<String>,
    refresh: RefCell<String>,
    generation: Cell<u32>,
    /// What `jwt/refresh/` answers instead of rotating, when set.
    refresh_refusal: RefCell<Option<Response>>,
    /// Whether `users/me/` refuses every token, even fresh ones.
    refuse_everything: Cell<bool>,
    requests: RefCell<Vec<Request>>,
    /// The stored session as the server saw it when each request arrived.
    stored_at_request: RefCell<Vec<Option<Tokens>>>,
    storage_key: String,
}

impl Server {
    fn new(storage_key: &str) -> Rc<Server> {
        Rc::new(Server { storage_key: storage_key.into(), ..Default::default() })
    }

    fn count(&self, path: &str) -> usize {
        self.requests.borrow().iter().filter(|r| r.path == path).count()
    }

    fn answer(&self, request: &Request) -> Response {
        match request.path.as_str() {
            "jwt/refresh/" => {
                if let Some(refusal) = self.refresh_refusal.borrow().clone() {
                    return refusal;
                }
                let body: serde_json::Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
                if body["refresh"] != *self.refresh.borrow() {
                    return refused("Token is blacklisted");
                }
                let next = self.generation.get() + 1;
                self.generation.set(next);
                *self.access.borrow_mut() = format!("access-{next}");
                *self.refresh.borrow_mut() = format!("refresh-{next}");
                ok(&format!(r#"{{"access":"access-{next}","refresh":"refresh-{next}"}}"#))
            }
            "users/me/" => {
                if self.refuse_everything.get() || request.bearer.as_deref() != Some(self.access.borrow().as_str()) {
                    return Response {
                        status: 401,
                        body: r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[]}"#.into(),
                    };
                }
                ok(
                    r#"{"id":1,"first_name":"Ada","last_name":"","username":"ada","email":"ada@example.com","is_active":true}"#,
                )
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

/// Every answer takes a few milliseconds, so that concurrent requests really overlap.
struct Fake(Rc<Server>);

impl Transport for Fake {
    fn send(&self, request: Request) -> Pending {
        let server = self.0.clone();
        Box::pin(async move {
            server.requests.borrow_mut().push(request.clone());
            server.stored_at_request.borrow_mut().push(storage::load(&server.storage_key));
            gloo_timers::future::TimeoutFuture::new(5).await;
            Ok(server.answer(&request))
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
}

/// A client whose stored access token the server no longer accepts, with a valid refresh token.
fn setup(name: &str) -> Setup {
    let key = format!("test.{name}");
    storage::clear(&key);
    let server = Server::new(&key);
    *server.access.borrow_mut() = "access-0".into();
    *server.refresh.borrow_mut() = "refresh-0".into();
    storage::save(&key, &Tokens::received("access-stale".into(), "refresh-0".into(), 0.0));
    let client = Client::new(Fake(server.clone()), TestClock(Rc::new(Cell::new(0.0))), &key);
    let events = Rc::new(RefCell::new(Vec::new()));
    let seen = events.clone();
    client.on_session(move |event| seen.borrow_mut().push(event));
    Setup { client, server, events, key }
}

#[wasm_bindgen_test]
async fn five_requests_refused_at_once_cause_exactly_one_refresh_and_all_succeed() {
    let Setup { client, server, .. } = setup("single-flight");
    let calls = (0..5).map(|_| {
        let client = client.clone();
        async move { client.me().await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| r.as_ref().is_ok_and(|user| user.username == "ada")), "{results:?}");
    assert_eq!(server.count("jwt/refresh/"), 1);
    assert_eq!(server.count("users/me/"), 10, "five refused, five retried");
}

#[wasm_bindgen_test]
async fn the_rotated_refresh_token_is_stored_before_the_request_is_retried() {
    let Setup { client, server, key, .. } = setup("rotation");
    client.me().await.unwrap();
    let retried_with = server.stored_at_request.borrow().last().cloned().flatten().unwrap();
    assert_eq!((retried_with.access.as_str(), retried_with.refresh.as_str()), ("access-1", "refresh-1"));
    assert_eq!(storage::load(&key).unwrap().refresh, "refresh-1");
}

#[wasm_bindgen_test]
async fn a_request_refused_again_after_the_refresh_is_not_retried_twice() {
    let Setup { client, server, events, key } = setup("retry-once");
    server.refuse_everything.set(true);
    assert_eq!(client.me().await, Err(ApiError::SessionExpired));
    assert_eq!(server.count("users/me/"), 2);
    assert_eq!(server.count("jwt/refresh/"), 1);
    assert!(storage::load(&key).is_none());
    assert_eq!(events.borrow().last(), Some(&SessionEvent::Expired));
}

#[wasm_bindgen_test]
async fn a_refresh_that_fails_signs_out_without_looping() {
    let Setup { client, server, events, key } = setup("refresh-fails");
    *server.refresh_refusal.borrow_mut() = Some(refused("Token is invalid or expired"));
    let calls = (0..3).map(|_| {
        let client = client.clone();
        async move { client.me().await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| r.as_ref().is_err_and(ApiError::ends_session)), "{results:?}");
    assert_eq!(server.count("jwt/refresh/"), 1);
    assert_eq!(server.count("users/me/"), 3);
    assert!(storage::load(&key).is_none());
    assert_eq!(events.borrow().iter().filter(|e| **e == SessionEvent::Expired).count(), 1);
}

#[wasm_bindgen_test]
async fn a_server_error_during_refresh_keeps_the_session() {
    let Setup { client, server, key, .. } = setup("refresh-500");
    *server.refresh_refusal.borrow_mut() = Some(Response { status: 503, body: String::new() });
    assert_eq!(client.me().await, Err(ApiError::Unexpected(503)));
    assert!(storage::load(&key).is_some());
}

fn jwt(iat: u64, exp: u64, tag: &str) -> String {
    let payload = format!(r#"{{"token_type":"access","iat":{iat},"exp":{exp},"jti":"{tag}"}}"#);
    format!("h.{}.s", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload))
}

#[wasm_bindgen_test]
async fn an_access_token_about_to_expire_is_refreshed_before_the_request() {
    let key = "test.proactive".to_owned();
    let server = Server::new(&key);
    *server.access.borrow_mut() = "access-0".into();
    *server.refresh.borrow_mut() = "refresh-0".into();
    // A five-second token received at t=0; at t=4.5 s it is inside its last second.
    let mut tokens = Tokens::received(jwt(100, 105, "a"), "refresh-0".into(), 0.0);
    tokens.access = "access-0".into();
    storage::save(&key, &tokens);
    let now = Rc::new(Cell::new(3_000.0));
    let client = Client::new(Fake(server.clone()), TestClock(now.clone()), &key);

    client.me().await.unwrap();
    assert_eq!(server.count("jwt/refresh/"), 0, "not yet due at 3 s");

    now.set(4_500.0);
    let _ = client.me().await;
    assert_eq!(server.count("jwt/refresh/"), 1);
    let requests = server.requests.borrow();
    let last = requests.last().unwrap();
    assert_eq!((last.method, last.path.as_str(), last.bearer.as_deref()), (Method::Get, "users/me/", Some("access-1")));
    assert_eq!(server.count("users/me/"), 2, "no request was refused");
}

#[wasm_bindgen_test]
async fn a_rotation_by_another_tab_is_used_instead_of_signing_out() {
    let Setup { client, server, events, key } = setup("other-tab");
    // The other tab spent refresh-0 a moment ago and is storing its answer.
    *server.refresh.borrow_mut() = "refresh-9".into();
    *server.access.borrow_mut() = "access-9".into();
    let other_tab = async {
        gloo_timers::future::TimeoutFuture::new(30).await;
        storage::save(&key, &Tokens::received("access-9".into(), "refresh-9".into(), 0.0));
    };
    let (user, ()) = futures::future::join(client.me(), other_tab).await;
    let user = user.unwrap();
    assert_eq!(user.username, "ada");
    assert_eq!(server.count("jwt/refresh/"), 1);
    assert!(!events.borrow().contains(&SessionEvent::Expired));
}

#[wasm_bindgen_test]
async fn without_a_session_nothing_is_sent() {
    let Setup { client, server, key, .. } = setup("signed-out");
    storage::clear(&key);
    assert_eq!(client.me().await, Err(ApiError::SignedOut));
    assert!(server.requests.borrow().is_empty());
}
