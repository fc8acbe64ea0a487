//! The app's session and pages inside the router, in a real browser: a followed link reaches the
//! address bar, and the pages the route table protects send a signed-out visitor to sign in.
//! The API is a fake transport; the address bar is the test page's own.
#![cfg(target_arch = "wasm32")]

use std::sync::{Arc, Mutex};

use gatehouse_app::api::transport::{Pending, Request, Response, Transport};
use gatehouse_app::api::{BrowserClock, Client};
use gatehouse_app::app::Session;
use gatehouse_app::session::{storage, Tokens};
use leptos::prelude::*;
use leptos_router::components::Router;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The API: it knows one person, `ada`, signed in with the access token `access-ada`, and
/// records every request.
#[derive(Default)]
struct Api {
    requests: Mutex<Vec<String>>,
}

impl Api {
    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

struct Fake(Arc<Api>);

impl Transport for Fake {
    fn send(&self, request: Request) -> Pending {
        self.0.requests.lock().unwrap().push(request.path.clone());
        Box::pin(async move {
            Ok(match (request.path.as_str(), request.bearer.as_deref()) {
                ("users/me/", Some("access-ada")) => Response {
                    status: 200,
                    body: r#"{"id":1,"first_name":"Ada","last_name":"","username":"ada","email":"ada@example.com","is_active":true}"#.into(),
                },
                _ => Response { status: 404, body: r#"{"detail":"Not found."}"#.into() },
            })
        })
    }
}

/// The app's session and pages at `path`, inside the router, as `App` mounts them, with a
/// session stored under `key` when `signed_in`.
fn app_at(path: &str, key: &'static str, signed_in: bool) -> (web_sys::HtmlElement, Arc<Api>, impl Drop) {
    window().history().unwrap().replace_state_with_url(&JsValue::NULL, "", Some(path)).unwrap();
    storage::clear(key);
    if signed_in {
        storage::save(key, &Tokens::received("access-ada".into(), "refresh-ada".into(), 0.0));
    }
    let api = Arc::new(Api::default());
    let fake = api.clone();
    let document = document();
    let parent = document.create_element("div").unwrap().unchecked_into::<web_sys::HtmlElement>();
    document.body().unwrap().append_child(&parent).unwrap();
    // The app's own owner, so that its clean-up (the router's listeners on the window among
    // them) can be run at the end of the test.
    let owner = Owner::new();
    let mounted = owner.with(|| {
        leptos::mount::mount_to(parent.clone(), move || {
            view! {
                <Router>
                    <Session client=Client::new(Fake(fake), BrowserClock, key)/>
                </Router>
            }
        })
    });
    (parent.clone(), api, Unmount { owner, _mounted: mounted, parent })
}

/// Takes the app off the page at the end of a test, with its listeners on the window, so that
/// the next test's router is the only one that follows links.
struct Unmount<M> {
    owner: Owner,
    _mounted: M,
    parent: web_sys::HtmlElement,
}

impl<M> Drop for Unmount<M> {
    fn drop(&mut self) {
        self.owner.cleanup();
        self.parent.remove();
    }
}

/// Lets the app's tasks and effects run until `done` holds; fails if they all ran out first.
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        leptos::task::tick().await;
    }
    panic!("{what}: never happened (address {})", address());
}

fn address() -> String {
    let location = window().location();
    format!("{}{}", location.pathname().unwrap(), location.search().unwrap())
}

fn heading(parent: &web_sys::HtmlElement) -> String {
    parent.query_selector("main h1").unwrap().map(|h1| h1.text_content().unwrap_or_default()).unwrap_or_default()
}

/// The first link to `href` on the page, and the text it shows.
fn link(parent: &web_sys::HtmlElement, href: &str) -> (web_sys::HtmlElement, String) {
    let found =
        parent.query_selector(&format!("a[href='{href}']")).unwrap().unwrap_or_else(|| panic!("no link to {href}"));
    let text = found.text_content().unwrap_or_default();
    (found.unchecked_into(), text)
}

#[wasm_bindgen_test]
async fn a_followed_link_shows_its_page_and_puts_its_path_in_the_address_bar() {
    let (parent, _, _app) = app_at("/", "test.router.link", false);
    assert_eq!(heading(&parent), "Your account, kept safe.");

    let (sign_in, text) = link(&parent, "/login");
    assert_eq!(text, "Sign in");
    sign_in.click();
    until("the sign-in page is shown", || heading(&parent) == "Sign in").await;
    until("the address bar reads /login", || address() == "/login").await;
    assert_eq!(document().title(), "Sign in · Gatehouse");

    let (forgot, text) = link(&parent, "/password/reset");
    assert_eq!(text, "Forgot password?");
    forgot.click();
    until("the forgotten-password page is shown", || heading(&parent) == "Forgot your password?").await;
    until("the address bar reads /password/reset", || address() == "/password/reset").await;
}

#[wasm_bindgen_test]
async fn a_signed_out_visitor_of_a_protected_page_is_sent_to_sign_in_with_the_way_back() {
    for (path, next) in [
        ("/profile", "/profile"),
        ("/profile/password", "/profile/password"),
        ("/profile/username", "/profile/username"),
        ("/users", "/users"),
        ("/users/3?tab=1", "/users/3%3Ftab%3D1"),
    ] {
        let (parent, api, _app) = app_at(path, "test.router.guard", false);
        let expected = format!("/login?next={next}");
        until(&format!("{path} sends to sign in"), || address() == expected).await;
        until("the sign-in page is shown", || heading(&parent) == "Sign in").await;
        assert!(api.requests().is_empty(), "{path}: nothing was asked of the API");
    }
}

#[wasm_bindgen_test]
async fn a_signed_out_visitor_of_an_open_page_stays_on_it() {
    let (parent, _, _app) = app_at("/password/reset", "test.router.open", false);
    until("the forgotten-password page is shown", || heading(&parent) == "Forgot your password?").await;
    // Let every task and effect run: nothing sends the visitor away.
    for _ in 0..20 {
        leptos::task::tick().await;
    }
    assert_eq!(address(), "/password/reset");
}

#[wasm_bindgen_test]
async fn a_signed_in_person_sees_the_protected_page_once_the_session_is_confirmed() {
    let (parent, api, _app) = app_at("/profile/username", "test.router.signed-in", true);
    assert_eq!(
        parent.query_selector("main [role='status']").unwrap().map(|status| status.text_content().unwrap()),
        Some("Loading your account…".to_owned()),
        "the page waits for the server to confirm the stored session"
    );
    until("the change-username page is shown", || heading(&parent) == "Change your username").await;
    assert_eq!(address(), "/profile/username");
    assert_eq!(api.requests(), vec!["users/me/".to_owned()]);
}
