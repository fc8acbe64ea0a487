//! The app's session and pages inside the router, in a real browser: a followed link reaches the
//! address bar, and the pages the route table protects send a signed-out visitor to sign in.
//! The API is a fake transport; the address bar is the test page's own.
#![cfg(target_arch = "wasm32")]

use std::sync::{Arc, Mutex};

use gatehouse_app::api::transport::{Method, Pending, Request, Response, Transport};
use gatehouse_app::api::{BrowserClock, Client};
use gatehouse_app::app::{Pages, Session, APP};
use gatehouse_app::routes::{Bundle, Page};
use gatehouse_app::session::{storage, Marker, Shared};
use leptos::prelude::*;
use leptos_router::components::Router;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The API: it knows one person, `ada`, whose refresh cookie the browser holds, and who is
/// given the access token `access-ada`; it records every request. When `staff`, ada is staff,
/// and the staff API knows one more account, ann's (id 4).
#[derive(Default)]
struct Api {
    requests: Mutex<Vec<String>>,
    /// The body of every request, by path.
    bodies: Mutex<Vec<(String, Option<String>)>>,
    staff: bool,
}

impl Api {
    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// The bodies sent to `path`, parsed.
    fn bodies_to(&self, path: &str) -> Vec<serde_json::Value> {
        let bodies = self.bodies.lock().unwrap();
        bodies
            .iter()
            .filter(|(to, _)| to == path)
            .map(|(_, body)| body.as_deref().map_or(serde_json::Value::Null, |b| serde_json::from_str(b).unwrap()))
            .collect()
    }
}

struct Fake(Arc<Api>);

impl Transport for Fake {
    fn send(&self, request: Request) -> Pending {
        self.0.requests.lock().unwrap().push(request.path.clone());
        self.0.bodies.lock().unwrap().push((request.path.clone(), request.body.clone()));
        let staff = self.0.staff;
        Box::pin(async move {
            if staff && request.bearer.as_deref() == Some("access-ada") {
                if let Some(answer) = staff_api(&request) {
                    return Ok(answer);
                }
            }
            Ok(match (request.path.as_str(), request.bearer.as_deref()) {
                ("jwt/refresh/", None) => Response { status: 200, body: r#"{"access":"access-ada"}"#.into() },
                // The link whose token is `used` was used already.
                ("users/revert_email/", None) if request.body.as_deref().is_some_and(|b| b.contains(r#""used""#)) => {
                    Response { status: 400, body: r#"{"token":["Invalid token for given user."]}"#.into() }
                }
                ("users/revert_email/", None) => Response { status: 204, body: String::new() },
                // A saved profile keeps the account active, with the address sent.
                ("users/me/", Some("access-ada")) if request.method == Method::Patch => {
                    let sent: serde_json::Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
                    let email = sent["email"].as_str().unwrap();
                    Response {
                        status: 200,
                        body: format!(
                            r#"{{"id":1,"first_name":"Ada","last_name":"","username":"ada","email":"{email}","is_active":true}}"#
                        ),
                    }
                }
                ("users/me/sessions/", Some("access-ada")) => Response {
                    status: 200,
                    body: r#"[{"id":"0123456789abcdef0123456789abcdef","created":"2026-11-29T16:00:00Z","last_used":"2026-11-29T16:05:00Z","ip":"127.0.0.1","user_agent":"","device":"Chrome on Linux","method":"password","current":true},
                              {"id":"fedcba9876543210fedcba9876543210","created":"2026-11-28T09:00:00Z","last_used":"2026-11-28T09:30:00Z","ip":"10.0.0.2","user_agent":"","device":"Firefox on Windows 10","method":"password","current":false}]"#.into(),
                },
                ("users/me/activity/", Some("access-ada")) => Response {
                    status: 200,
                    body: r#"[{"id":3,"event":"user.signed_in","at":"2026-12-05T16:01:33.123456Z","user":{"id":1,"username":"ada"},"actor":null,
                               "ip":"192.0.2.4","user_agent":"","device":"Firefox on Linux","detail":"password+totp"},
                              {"id":2,"event":"user.activated","at":"2026-12-05T16:00:00Z","user":{"id":1,"username":"ada"},"actor":{"id":9,"username":"root"},
                               "ip":"10.0.0.9","user_agent":"","device":"Chrome on Linux","detail":"staff"},
                              {"id":1,"event":"user.future_thing","at":"2026-12-05T15:00:00Z","user":{"id":1,"username":"ada"},"actor":null,
                               "ip":"","user_agent":"","device":"","detail":""}]"#.into(),
                },
                ("users/me/", Some("access-ada")) => Response {
                    status: 200,
                    body: r#"{"id":1,"first_name":"Ada","last_name":"","username":"ada","email":"ada@example.com","is_active":true}"#.into(),
                },
                _ => Response { status: 404, body: r#"{"detail":"Not found."}"#.into() },
            })
        })
    }
}

/// What the staff API answers staff: ada's own account, ann's, ann deactivated, and a page of
/// accounts. `None` for the paths it does not hold.
fn staff_api(request: &Request) -> Option<Response> {
    let account = |id: u32, name: &str, active: bool, staff: bool| {
        format!(
            r#"{{"id":{id},"username":"{name}","email":"{name}@example.com","first_name":"","last_name":"","is_active":{active},
                "is_staff":{staff},"is_superuser":false,"date_joined":"2026-12-01T09:00:00Z","last_login":null,"second_factors":0}}"#
        )
    };
    let body = match (request.method, request.path.as_str()) {
        (Method::Get, "admin/users/1/") => account(1, "ada", true, true),
        (Method::Get, "admin/users/4/") => account(4, "ann", true, false),
        (Method::Post, "admin/users/4/deactivate/") => account(4, "ann", false, false),
        (Method::Get, "users/4/sessions/") => "[]".to_owned(),
        (Method::Get, path) if path.starts_with("admin/users/") => format!(
            r#"{{"count":2,"next":null,"previous":null,"results":[{},{}]}}"#,
            account(1, "ada", true, true),
            account(4, "ann", true, false)
        ),
        _ => return None,
    };
    Some(Response { status: 200, body })
}

/// The app's session and pages at `path`, inside the router, as `App` mounts them, with a
/// signed-in state shared under `key` when `signed_in`.
fn app_at(path: &str, key: &'static str, signed_in: bool) -> (web_sys::HtmlElement, Arc<Api>, impl Drop) {
    app_with(Api::default(), path, key, signed_in)
}

/// The pages of the bundle the server sends for `path`: the staff console's, or the app's.
fn bundle_of(path: &str) -> Pages {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    match Page::at(path).bundle() {
        Bundle::Console => gatehouse_app::pages::console::PAGES,
        Bundle::App => APP,
    }
}

/// [`app_at`] with the API `api`.
fn app_with(api: Api, path: &str, key: &'static str, signed_in: bool) -> (web_sys::HtmlElement, Arc<Api>, impl Drop) {
    window().history().unwrap().replace_state_with_url(&JsValue::NULL, "", Some(path)).unwrap();
    storage::clear(key);
    if signed_in {
        let marker = Marker { user_id: 1, username: "ada".into(), generation: 0, refreshed_at: 0.0 };
        storage::save(key, &Shared::SignedIn(marker));
    }
    let api = Arc::new(api);
    let fake = api.clone();
    let pages = bundle_of(path);
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
                    <Session client=Client::new(Fake(fake), BrowserClock, key) pages/>
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
        ("/profile/sessions", "/profile/sessions"),
        ("/users", "/users"),
        ("/users/3?tab=1", "/users/3%3Ftab%3D1"),
    ] {
        let (parent, api, _app) = app_at(path, "test.router.guard", false);
        let expected = format!("/login?next={next}");
        until(&format!("{path} sends to sign in"), || address() == expected).await;
        until("the sign-in page is shown", || heading(&parent) == "Sign in").await;
        // Only the public list of identity providers, for the sign-in page's buttons.
        until("the sign-in page asks for the providers", || !api.requests().is_empty()).await;
        assert_eq!(api.requests(), ["o/"], "{path}: nothing else was asked of the API");
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
    until("the staff API is asked whether ada is staff", || api.requests().len() == 3).await;
    assert_eq!(
        api.requests(),
        ["jwt/refresh/", "users/me/", "admin/users/1/"],
        "an access token first, with the refresh cookie"
    );
}

#[wasm_bindgen_test]
async fn the_recent_activity_says_each_event_in_words_with_its_time() {
    let (parent, _, _app) = app_at("/profile/activity", "test.router.activity", true);
    let list = || element(&parent, "ol.events");
    until("the events are listed", || list().is_some_and(|list| list.child_element_count() == 3)).await;
    assert_eq!(heading(&parent), "Recent activity");
    assert_eq!(document().title(), "Recent activity · Gatehouse");
    let said = |n: u32| text_of(&parent, &format!("ol.events li:nth-child({n}) .event-what"));
    assert_eq!(
        said(1),
        "Signed in with a password, then a code from an authenticator app from Firefox on Linux, 192.0.2.4"
    );
    assert_eq!(said(2), "Account activated by root");
    assert_eq!(said(3), "user.future_thing", "an event the app does not know is shown by its name");
    let time = element(&parent, "ol.events li:nth-child(1) time").unwrap();
    assert_eq!(time.get_attribute("datetime").as_deref(), Some("2026-12-05T16:01:33.123456Z"));
}

#[wasm_bindgen_test]
async fn the_console_is_not_found_by_a_person_who_is_not_staff_and_not_offered_to_them() {
    for (path, key) in [
        ("/console", "test.router.console-denied"),
        ("/console/audit?user=4", "test.router.audit-denied"),
        ("/console/users/4", "test.router.account-denied"),
    ] {
        let (parent, api, _app) = app_at(path, key, true);
        until(&format!("{path} is not found"), || heading(&parent) == "Page not found").await;
        assert_eq!(document().title(), "Page not found · Gatehouse");
        assert!(api.requests().iter().any(|asked| asked.starts_with("admin/")), "the server was asked");
        assert!(parent.query_selector("a[href='/console']").unwrap().is_none(), "no link to the console");
    }
}

#[wasm_bindgen_test]
async fn staff_find_the_console_in_the_navigation_and_deactivate_an_account_after_confirming() {
    let api = Api { staff: true, ..Api::default() };
    let (parent, api, _app) = app_with(api, "/console/users/4", "test.router.console-staff", true);
    until("ann's account is shown", || heading(&parent) == "ann").await;
    until("the navigation links to the console", || parent.query_selector("nav a[href='/console']").unwrap().is_some())
        .await;
    assert_eq!(text_of(&parent, "[data-testid='account-active']"), "Yes");
    assert_eq!(
        element(&parent, "a[href='/console/audit?user=4']").and_then(|link| link.text_content()).as_deref(),
        Some("Audit trail of this account")
    );

    element(&parent, "#action-deactivate").unwrap().click();
    until("the console asks first", || text_of(&parent, "#confirm-action-heading") == "Deactivate ann?").await;
    assert_eq!(element(&parent, "#action-deactivate").unwrap().get_attribute("aria-expanded").as_deref(), Some("true"));
    assert!(!api.requests().contains(&"admin/users/4/deactivate/".to_owned()), "nothing is done before confirming");
    let cancel = || element(&parent, "[role='region'] button.secondary");
    assert_eq!(cancel().unwrap().text_content().as_deref(), Some("Cancel"));
    cancel().unwrap().click();
    until("the question is gone", || element(&parent, "#confirm-action-heading").is_none()).await;
    assert!(!api.requests().contains(&"admin/users/4/deactivate/".to_owned()), "a cancelled action is not done");

    element(&parent, "#action-deactivate").unwrap().click();
    until("the console asks again", || element(&parent, "#confirm-action-heading").is_some()).await;
    let confirm = element(&parent, "[role='region'] button").unwrap();
    assert_eq!(confirm.text_content().as_deref(), Some("Confirm"));
    confirm.click();
    until("the outcome is said", || text_of(&parent, "[role='status']") == "ann was deactivated.").await;
    assert_eq!(text_of(&parent, "[data-testid='account-active']"), "No");
    assert!(element(&parent, "#action-activate").is_some(), "an inactive account can be activated");
    assert_eq!(api.requests().iter().filter(|asked| *asked == "admin/users/4/deactivate/").count(), 1);
}

#[wasm_bindgen_test]
async fn the_sessions_page_lists_each_session_and_names_each_sign_out_button_after_its_session() {
    let (parent, _, _app) = app_at("/profile/sessions", "test.router.sessions", true);
    let list = || parent.query_selector("main ul.sessions").unwrap();
    until("the sessions are listed", || list().is_some_and(|list| list.child_element_count() == 2)).await;
    assert_eq!(heading(&parent), "Your sessions");
    assert_eq!(document().title(), "Your sessions · Gatehouse");
    let list = list().unwrap();
    assert_eq!(list.get_attribute("aria-label").as_deref(), Some("Signed-in sessions"));

    let entry = |n: u32| list.query_selector(&format!("li:nth-child({n})")).unwrap().unwrap();
    let text = |n: u32| entry(n).text_content().unwrap_or_default();
    assert!(text(1).contains("Chrome on Linux") && text(1).contains("This device"), "{}", text(1));
    assert!(text(2).contains("Firefox on Windows 10") && text(2).contains("10.0.0.2"), "{}", text(2));
    assert!(entry(1).query_selector("button").unwrap().is_none(), "no button ends this browser's own session");

    let button = entry(2).query_selector("button").unwrap().unwrap();
    assert_eq!(button.get_attribute("type").as_deref(), Some("button"));
    let name = button.text_content().unwrap_or_default();
    assert!(name.starts_with("Sign out Firefox on Windows 10, signed in "), "{name}");
    let datetime = |n: u32| {
        let time = entry(2).query_selector(&format!("dd:nth-of-type({n}) time")).unwrap().unwrap();
        time.get_attribute("datetime").unwrap()
    };
    assert_eq!((datetime(2), datetime(3)), ("2026-11-28T09:00:00Z".to_owned(), "2026-11-28T09:30:00Z".to_owned()));
    let all_others = parent.query_selector("main .actions button").unwrap().unwrap();
    assert_eq!(all_others.text_content().as_deref(), Some("Sign out of all other devices"));
}

/// The element `selector` names inside the page's main region.
fn element(parent: &web_sys::HtmlElement, selector: &str) -> Option<web_sys::HtmlElement> {
    parent.query_selector(&format!("main {selector}")).unwrap().map(JsCast::unchecked_into)
}

fn text_of(parent: &web_sys::HtmlElement, selector: &str) -> String {
    element(parent, selector).and_then(|found| found.text_content()).unwrap_or_default()
}

/// Types `value` into the input of id `id`, as a person would.
fn type_into(id: &str, value: &str) {
    let input = document().get_element_by_id(id).unwrap().unchecked_into::<web_sys::HtmlInputElement>();
    input.set_value(value);
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
}

#[wasm_bindgen_test]
async fn the_e_mail_revert_link_opens_its_page_for_anyone_and_sends_nothing_until_the_button_is_pressed() {
    let (parent, api, _app) = app_at("/email/revert/MQ/abc-0123456789abcdef", "test.router.revert-arrival", false);
    until("the revert page is shown", || heading(&parent) == "Take back the e-mail change").await;
    assert_eq!(document().title(), "Take back the e-mail change · Gatehouse");
    assert_eq!(
        text_of(&parent, "p.lead"),
        "This puts back the e-mail address your account had before the change and signs the account out on every device."
    );
    let button = element(&parent, "form button").unwrap();
    assert_eq!(button.get_attribute("type").as_deref(), Some("submit"));
    assert_eq!(button.text_content().as_deref(), Some("Take back the change"));
    for _ in 0..20 {
        leptos::task::tick().await;
    }
    assert_eq!(address(), "/email/revert/MQ/abc-0123456789abcdef");
    assert!(api.requests().is_empty(), "a mail scanner opening the link changes nothing");
}

#[wasm_bindgen_test]
async fn taking_the_change_back_forgets_this_browsers_session_without_ending_it_at_the_server_again() {
    let key = "test.router.revert";
    let (parent, api, _app) = app_at("/email/revert/MQ/abc-0123456789abcdef", key, true);
    until("the revert page is shown", || element(&parent, "form button").is_some()).await;
    until("the stored session is confirmed", || api.requests().contains(&"users/me/".to_owned())).await;

    element(&parent, "form button").unwrap().click();
    until("the change is taken back", || !text_of(&parent, "[role='status']").is_empty()).await;
    let status = text_of(&parent, "[role='status']");
    assert!(status.contains("Your old e-mail address is back"), "{status}");
    assert!(status.contains("reset it"), "{status}");
    assert_eq!(
        api.bodies_to("users/revert_email/"),
        [serde_json::json!({ "uid": "MQ", "token": "abc-0123456789abcdef" })]
    );
    assert_eq!(storage::load(key), None::<Shared>, "every tab forgets the session");
    assert!(!api.requests().contains(&"jwt/blacklist/".to_owned()), "the server ended the sessions already");
    assert!(element(&parent, "form").is_none(), "the button is gone");
    assert_eq!(link(&parent, "/password/reset").1, "Forgot your password?");
    assert!(parent.query_selector("main a[href='/login']").unwrap().is_some(), "a link to sign in");
}

#[wasm_bindgen_test]
async fn a_used_e_mail_revert_link_is_explained_with_a_way_to_sign_in() {
    let (parent, api, _app) = app_at("/email/revert/MQ/used", "test.router.revert-used", false);
    until("the revert page is shown", || element(&parent, "form button").is_some()).await;
    element(&parent, "form button").unwrap().click();
    until("the link is refused", || !text_of(&parent, "[role='alert']").is_empty()).await;
    assert_eq!(
        text_of(&parent, "[role='alert']"),
        "This link is invalid or was already used. Each link takes a change back only once, for a limited time."
    );
    assert_eq!(text_of(&parent, "[role='status']"), "");
    assert!(parent.query_selector("main a[href='/login']").unwrap().is_some(), "a link to sign in");
    assert_eq!(api.requests(), ["users/revert_email/"]);
}

#[wasm_bindgen_test]
async fn a_new_e_mail_address_in_the_profile_asks_for_the_current_password_and_sends_it() {
    let (parent, api, _app) = app_at("/profile", "test.router.profile-email", true);
    until("the profile is shown", || heading(&parent) == "Your profile").await;
    let password_field = || element(&parent, "input[autocomplete='current-password']");
    assert!(password_field().is_none(), "no password is asked for while the address stays");

    type_into("field-email", "ada@example.org");
    until("the password field appears", || password_field().is_some()).await;
    let input = password_field().unwrap();
    assert_eq!(input.get_attribute("type").as_deref(), Some("password"));
    assert_eq!(input.get_attribute("aria-required").as_deref(), Some("true"));
    let label = parent.query_selector(&format!("main label[for='{}']", input.id())).unwrap().unwrap();
    assert_eq!(label.text_content().as_deref(), Some("Current password"));

    element(&parent, "button[type='submit']").unwrap().click();
    until("the empty password is refused", || input.get_attribute("aria-invalid").as_deref() == Some("true")).await;
    assert!(api.bodies_to("users/me/").iter().all(|body| body.is_null()), "nothing was saved");

    type_into(&input.id(), "secret");
    element(&parent, "button[type='submit']").unwrap().click();
    until("the profile is saved", || !text_of(&parent, "[role='status']").is_empty()).await;
    let sent: Vec<serde_json::Value> = api.bodies_to("users/me/").into_iter().filter(|b| !b.is_null()).collect();
    assert_eq!(
        sent,
        [
            serde_json::json!({ "first_name": "Ada", "last_name": "", "email": "ada@example.org", "current_password": "secret" })
        ]
    );
    assert!(text_of(&parent, "[role='status']").contains("We told your old e-mail address about the change"));
    until("the password field goes with the saved address", || password_field().is_none()).await;

    type_into("field-first_name", "Augusta");
    element(&parent, "button[type='submit']").unwrap().click();
    until("the names are saved", || text_of(&parent, "[role='status']") == "Your profile was saved.").await;
    let last = api.bodies_to("users/me/").into_iter().last().unwrap();
    assert_eq!(last, serde_json::json!({ "first_name": "Augusta", "last_name": "", "email": "ada@example.org" }));
}
