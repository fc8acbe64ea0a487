//! The app's route table, both ways: [`Page::at`] reads the page a path names, and
//! [`Page::path`] writes the path of a page. E-mailed links open four of these pages; their
//! shapes are in `links.rs`, which the server's settings must match. The table also says which
//! of the app's two bundles shows each page ([`Page::bundle`]).

use crate::links;
use crate::notice::Notice;

/// A page of the app, with what its path carries. This is the app's route table: every path
/// the app answers is parsed here, and `app.rs` shows the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Home,
    SignUp,
    CheckEmail,
    ResendActivation,
    Activate {
        uid: String,
        token: String,
    },
    SignIn,
    Profile,
    ChangePassword,
    ChangeUsername,
    Sessions,
    Security,
    Activity,
    ForgotPassword,
    ResetPassword {
        uid: String,
        token: String,
    },
    ForgotUsername,
    ResetUsername {
        uid: String,
        token: String,
    },
    RevertEmail {
        uid: String,
        token: String,
    },
    Users,
    User {
        id: Option<u64>,
    },
    /// The staff's console: finding accounts. Its query carries the search
    /// ([`AccountSearch`](crate::api::AccountSearch)).
    Console,
    /// One account in the staff's console.
    ConsoleUser {
        id: Option<u64>,
    },
    /// The audit trail. Its query carries the filter ([`AuditFilter`](crate::api::AuditFilter)).
    Audit,
    /// Where an identity provider sends the browser back.
    ProviderCallback {
        provider: String,
    },
    NotFound,
}

impl Page {
    /// The page at `path` (a URL's path, without its query). A trailing slash is ignored.
    pub fn at(path: &str) -> Page {
        let segments: Vec<&str> = path.split('/').filter(|segment| !segment.is_empty()).collect();
        match segments.as_slice() {
            [] => Page::Home,
            ["signup"] => Page::SignUp,
            ["signup", "check-email"] => Page::CheckEmail,
            ["activate", "resend"] => Page::ResendActivation,
            ["activate", uid, token] => Page::Activate { uid: uid.to_string(), token: token.to_string() },
            ["login"] => Page::SignIn,
            ["profile"] => Page::Profile,
            ["profile", "password"] => Page::ChangePassword,
            ["profile", "username"] => Page::ChangeUsername,
            ["profile", "sessions"] => Page::Sessions,
            ["profile", "security"] => Page::Security,
            ["profile", "activity"] => Page::Activity,
            ["password", "reset"] => Page::ForgotPassword,
            ["password", "reset", "confirm", uid, token] => {
                Page::ResetPassword { uid: uid.to_string(), token: token.to_string() }
            }
            ["username", "reset"] => Page::ForgotUsername,
            ["username", "reset", "confirm", uid, token] => {
                Page::ResetUsername { uid: uid.to_string(), token: token.to_string() }
            }
            ["email", "revert", uid, token] => Page::RevertEmail { uid: uid.to_string(), token: token.to_string() },
            ["users"] => Page::Users,
            ["users", id] => Page::User { id: id.parse().ok() },
            ["console"] => Page::Console,
            ["console", "users", id] => Page::ConsoleUser { id: id.parse().ok() },
            ["console", "audit"] => Page::Audit,
            ["o", provider, "callback"] => Page::ProviderCallback { provider: provider.to_string() },
            _ => Page::NotFound,
        }
    }

    /// The path of this page, such that `Page::at(&page.path()) == page`. A link's `uid` and
    /// `token` are written as they are: each must be one non-empty path segment, as the server
    /// makes them.
    pub fn path(&self) -> String {
        match self {
            Page::Home => "/".into(),
            Page::SignUp => "/signup".into(),
            Page::CheckEmail => "/signup/check-email".into(),
            Page::ResendActivation => "/activate/resend".into(),
            Page::Activate { uid, token } => fill(links::ACTIVATION, uid, token),
            Page::SignIn => "/login".into(),
            Page::Profile => "/profile".into(),
            Page::ChangePassword => "/profile/password".into(),
            Page::ChangeUsername => "/profile/username".into(),
            Page::Sessions => "/profile/sessions".into(),
            Page::Security => "/profile/security".into(),
            Page::Activity => "/profile/activity".into(),
            Page::ForgotPassword => "/password/reset".into(),
            Page::ResetPassword { uid, token } => fill(links::PASSWORD_RESET_CONFIRM, uid, token),
            Page::ForgotUsername => "/username/reset".into(),
            Page::ResetUsername { uid, token } => fill(links::USERNAME_RESET_CONFIRM, uid, token),
            Page::RevertEmail { uid, token } => fill(links::EMAIL_REVERT, uid, token),
            Page::Users => "/users".into(),
            Page::User { id: Some(id) } => format!("/users/{id}"),
            // Any segment that is not a number names no user.
            Page::User { id: None } => "/users/unknown".into(),
            Page::Console => "/console".into(),
            Page::ConsoleUser { id: Some(id) } => format!("/console/users/{id}"),
            Page::ConsoleUser { id: None } => "/console/users/unknown".into(),
            Page::Audit => "/console/audit".into(),
            Page::ProviderCallback { provider } => format!("/o/{provider}/callback"),
            Page::NotFound => "/not-found".into(),
        }
    }

    /// Whether only a signed-in person may see this page. A signed-out visitor is sent to sign
    /// in and comes back afterwards (`app.rs`). Every page is listed, so a new one must be
    /// classified here.
    pub fn requires_sign_in(&self) -> bool {
        match self {
            Page::Profile
            | Page::ChangePassword
            | Page::ChangeUsername
            | Page::Sessions
            | Page::Security
            | Page::Activity
            | Page::Users
            | Page::User { .. }
            | Page::Console
            | Page::ConsoleUser { .. }
            | Page::Audit => true,
            Page::Home
            | Page::SignUp
            | Page::CheckEmail
            | Page::ResendActivation
            | Page::Activate { .. }
            | Page::SignIn
            | Page::ForgotPassword
            | Page::ResetPassword { .. }
            | Page::ForgotUsername
            | Page::ResetUsername { .. }
            | Page::RevertEmail { .. }
            | Page::ProviderCallback { .. }
            | Page::NotFound => false,
        }
    }

    /// The bundle that shows this page: the staff console's pages are a bundle of their own, so
    /// that nobody else downloads them. Every page is listed, so a new one must be placed.
    pub fn bundle(&self) -> Bundle {
        match self {
            Page::Console | Page::ConsoleUser { .. } | Page::Audit => Bundle::Console,
            Page::Home
            | Page::SignUp
            | Page::CheckEmail
            | Page::ResendActivation
            | Page::Activate { .. }
            | Page::SignIn
            | Page::Profile
            | Page::ChangePassword
            | Page::ChangeUsername
            | Page::Sessions
            | Page::Security
            | Page::Activity
            | Page::ForgotPassword
            | Page::ResetPassword { .. }
            | Page::ForgotUsername
            | Page::ResetUsername { .. }
            | Page::RevertEmail { .. }
            | Page::Users
            | Page::User { .. }
            | Page::ProviderCallback { .. }
            | Page::NotFound => Bundle::App,
        }
    }

    /// The page's name in the browser's tab and history (before " · Gatehouse").
    pub fn title(&self) -> &'static str {
        match self {
            Page::Home => "Welcome",
            Page::SignUp => "Sign up",
            Page::CheckEmail => "Check your e-mail",
            Page::ResendActivation => "Resend activation e-mail",
            Page::Activate { .. } => "Activate your account",
            Page::SignIn => "Sign in",
            Page::Profile => "Your profile",
            Page::ChangePassword => "Change your password",
            Page::ChangeUsername => "Change your username",
            Page::Sessions => "Your sessions",
            Page::Security => "Security",
            Page::Activity => "Recent activity",
            Page::ForgotPassword => "Reset your password",
            Page::ResetPassword { .. } => "Choose a new password",
            Page::ForgotUsername => "Reset your username",
            Page::ResetUsername { .. } => "Choose a new username",
            Page::RevertEmail { .. } => "Take back the e-mail change",
            Page::Users => "Users",
            Page::User { .. } => "User",
            Page::Console => "Staff console",
            Page::ConsoleUser { .. } => "Account · Staff console",
            Page::Audit => "Audit trail · Staff console",
            Page::ProviderCallback { .. } => "Signing in",
            Page::NotFound => "Page not found",
        }
    }
}

/// One of the app's two builds, each a wasm file of its own with its own `index.html`. The
/// server answers a path under a bundle's folder with that bundle's `index.html`, and every
/// other path with the app's; a move between the two is a page load (`app.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bundle {
    /// Every page but the staff console's: the first load (`src/main.rs`, `index.html`).
    App,
    /// The staff console (`src/bin/console.rs`, `console.html`), built into `dist/console/`.
    Console,
}

impl Bundle {
    /// The first segment of the paths of this bundle's pages, and the folder of the static
    /// files its build is written to; `None` for the app, which is at the root.
    pub fn folder(self) -> Option<&'static str> {
        match self {
            Bundle::App => None,
            Bundle::Console => Some("console"),
        }
    }
}

/// An e-mailed link's shape (`links.rs`) with its `{uid}` and `{token}` filled in, as a path.
fn fill(shape: &str, uid: &str, token: &str) -> String {
    // Split rather than replace, so that a `uid` holding "{token}" stays as it is.
    let (before, after_uid) = shape.split_once("{uid}").unwrap_or((shape, ""));
    let (between, after) = after_uid.split_once("{token}").unwrap_or((after_uid, ""));
    format!("/{before}{uid}{between}{token}{after}")
}

/// A page's path with a query (without its `?`), when there is one.
pub fn with_query(page: &Page, query: &str) -> String {
    if query.is_empty() {
        page.path()
    } else {
        format!("{}?{query}", page.path())
    }
}

/// The sign-in page, returning to `next` afterwards, with an optional notice to show.
pub fn sign_in_then(next: &str, notice: Option<Notice>) -> String {
    let mut url = format!("{}?next={}", Page::SignIn.path(), encode(next));
    if let Some(notice) = notice {
        url.push_str("&notice=");
        url.push_str(notice.key());
    }
    url
}

/// The address of the page shown, to come back to it: the router's path, its query (which the
/// router keeps without the `?`) and its fragment (kept with the `#`).
pub fn address(path: &str, query: &str, fragment: &str) -> String {
    let mut address = path.to_owned();
    if !query.is_empty() {
        address.push('?');
        address.push_str(query);
    }
    if !fragment.is_empty() && fragment != "#" {
        if !fragment.starts_with('#') {
            address.push('#');
        }
        address.push_str(fragment);
    }
    address
}

/// A URL as the browser's URL parser resolved it against the app's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Such as `http://127.0.0.1:8000`; `null` for schemes without one (`javascript:`, `data:`).
    pub origin: String,
    /// The path, starting with `/`.
    pub path: String,
    /// The query with its `?`, or empty.
    pub query: String,
    /// The fragment with its `#`, or empty.
    pub fragment: String,
}

/// Where to go after signing in, given the `next` parameter as the browser resolved it
/// (`None` when it is missing or does not parse): its path, query and fragment when it is a
/// page of this app, the profile page otherwise. Only the browser's own reading of `next` is
/// trusted, so that no spelling (a tab or a backslash the parser drops or turns into a slash,
/// encoded slashes, a scheme) reaches another site.
pub fn safe_next(app_origin: &str, next: Option<Resolved>) -> String {
    match next {
        // A path starting with `//` is read as another host when it is navigated to.
        Some(url) if url.origin == app_origin && url.path.starts_with('/') && !url.path.starts_with("//") => {
            format!("{}{}{}", url.path, url.query, url.fragment)
        }
        _ => Page::Profile.path(),
    }
}

/// Where to go after signing in, for the sign-in page's `next` parameter: it is resolved
/// against the app's origin by the browser, and followed only within the app ([`safe_next`]).
pub fn after_sign_in(next: Option<&str>) -> String {
    let origin = app_origin();
    safe_next(&origin, next.and_then(|next| resolve(next, &origin)))
}

#[cfg(target_arch = "wasm32")]
fn app_origin() -> String {
    leptos::prelude::window().location().origin().unwrap_or_default()
}

/// `next` resolved against `base` by the browser's own URL parser (`new URL(next, base)`).
#[cfg(target_arch = "wasm32")]
fn resolve(next: &str, base: &str) -> Option<Resolved> {
    let url = browser::Url::new(next, base).ok()?;
    Some(Resolved { origin: url.origin(), path: url.pathname(), query: url.search(), fragment: url.hash() })
}

/// The browser's `URL` class, declared here so that the app needs no further `web-sys` feature.
#[cfg(target_arch = "wasm32")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = URL)]
        pub type Url;

        #[wasm_bindgen(constructor, js_class = "URL", catch)]
        pub fn new(url: &str, base: &str) -> Result<Url, JsValue>;
        #[wasm_bindgen(method, getter, js_class = "URL")]
        pub fn origin(this: &Url) -> String;
        #[wasm_bindgen(method, getter, js_class = "URL")]
        pub fn pathname(this: &Url) -> String;
        #[wasm_bindgen(method, getter, js_class = "URL")]
        pub fn search(this: &Url) -> String;
        #[wasm_bindgen(method, getter, js_class = "URL")]
        pub fn hash(this: &Url) -> String;
    }
}

// Outside a browser there is no URL parser to trust: nothing resolves, and every `next` leads
// to the profile page. (The app only runs in a browser; this keeps the native build whole.)
#[cfg(not(target_arch = "wasm32"))]
fn app_origin() -> String {
    String::new()
}

#[cfg(not(target_arch = "wasm32"))]
fn resolve(_: &str, _: &str) -> Option<Resolved> {
    None
}

/// Percent-encodes a path for a query string.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const UID: &str = "MQ";
    const TOKEN: &str = "cz4k1p-0123456789abcdef0123456789abcdef";

    fn link_pages(uid: &str, token: &str) -> [Page; 4] {
        let (uid, token) = (uid.to_owned(), token.to_owned());
        [
            Page::Activate { uid: uid.clone(), token: token.clone() },
            Page::ResetPassword { uid: uid.clone(), token: token.clone() },
            Page::ResetUsername { uid: uid.clone(), token: token.clone() },
            Page::RevertEmail { uid, token },
        ]
    }

    /// One of each page, with what its path carries.
    fn every_page() -> Vec<Page> {
        let mut pages = vec![
            Page::Home,
            Page::SignUp,
            Page::CheckEmail,
            Page::ResendActivation,
            Page::SignIn,
            Page::Profile,
            Page::ChangePassword,
            Page::ChangeUsername,
            Page::Sessions,
            Page::Security,
            Page::Activity,
            Page::ForgotPassword,
            Page::ForgotUsername,
            Page::Users,
            Page::User { id: Some(42) },
            Page::User { id: Some(0) },
            Page::User { id: None },
            Page::Console,
            Page::ConsoleUser { id: Some(7) },
            Page::ConsoleUser { id: None },
            Page::Audit,
            Page::ProviderCallback { provider: "google".into() },
            Page::NotFound,
        ];
        pages.extend(link_pages(UID, TOKEN));
        pages
    }

    #[test]
    fn every_path_of_the_app_names_its_page() {
        assert_eq!(Page::at("/"), Page::Home);
        assert_eq!(Page::at(""), Page::Home);
        assert_eq!(Page::at("/signup"), Page::SignUp);
        assert_eq!(Page::at("/signup/check-email"), Page::CheckEmail);
        assert_eq!(Page::at("/activate/resend"), Page::ResendActivation);
        assert_eq!(Page::at("/login"), Page::SignIn);
        assert_eq!(Page::at("/o/github/callback"), Page::ProviderCallback { provider: "github".into() });
        assert_eq!(Page::at("/profile"), Page::Profile);
        assert_eq!(Page::at("/profile/password"), Page::ChangePassword);
        assert_eq!(Page::at("/profile/username"), Page::ChangeUsername);
        assert_eq!(Page::at("/profile/sessions"), Page::Sessions);
        assert_eq!(Page::at("/profile/security"), Page::Security);
        assert_eq!(Page::at("/password/reset"), Page::ForgotPassword);
        assert_eq!(Page::at("/username/reset"), Page::ForgotUsername);
        assert_eq!(Page::at("/users"), Page::Users);
        assert_eq!(Page::at("/users/42"), Page::User { id: Some(42) });
        assert_eq!(Page::at("/profile/activity"), Page::Activity);
        assert_eq!(Page::at("/console"), Page::Console);
        assert_eq!(Page::at("/console/users/7"), Page::ConsoleUser { id: Some(7) });
        assert_eq!(Page::at("/console/users/ann"), Page::ConsoleUser { id: None });
        assert_eq!(Page::at("/console/audit"), Page::Audit);
        let [activate, reset_password, reset_username, revert_email] = link_pages(UID, TOKEN);
        assert_eq!(Page::at(&format!("/activate/{UID}/{TOKEN}")), activate);
        assert_eq!(Page::at(&format!("/password/reset/confirm/{UID}/{TOKEN}")), reset_password);
        assert_eq!(Page::at(&format!("/username/reset/confirm/{UID}/{TOKEN}")), reset_username);
        assert_eq!(Page::at(&format!("/email/revert/{UID}/{TOKEN}")), revert_email);
    }

    #[test]
    fn every_page_has_a_path_that_names_it_again() {
        for page in every_page() {
            let path = page.path();
            assert!(path.starts_with('/'), "{page:?}: {path}");
            assert_eq!(Page::at(&path), page, "{path}");
        }
        for (uid, token) in [("MTIzNDU2", "abc-0123456789abcdef"), ("Mw", "resend"), ("a", "b")] {
            for page in link_pages(uid, token) {
                assert_eq!(Page::at(&page.path()), page, "{}", page.path());
            }
        }
    }

    #[test]
    fn each_e_mailed_link_shape_opens_its_page_and_is_that_pages_path() {
        let filled = |shape: &str| format!("/{}", shape.replace("{uid}", UID).replace("{token}", TOKEN));
        let [activate, reset_password, reset_username, revert_email] = link_pages(UID, TOKEN);
        for (shape, page) in [
            (links::ACTIVATION, activate),
            (links::PASSWORD_RESET_CONFIRM, reset_password),
            (links::USERNAME_RESET_CONFIRM, reset_username),
            (links::EMAIL_REVERT, revert_email),
        ] {
            assert_eq!(Page::at(&filled(shape)), page, "{shape}");
            assert_eq!(page.path(), filled(shape), "{shape}");
        }
    }

    #[test]
    fn a_link_whose_uid_holds_the_token_placeholder_keeps_it() {
        let page = Page::Activate { uid: "{token}".into(), token: "t".into() };
        assert_eq!(page.path(), "/activate/{token}/t");
    }

    #[test]
    fn the_profile_password_username_sessions_security_activity_users_user_and_console_pages_need_a_signed_in_person() {
        let protected: Vec<Page> = every_page().into_iter().filter(Page::requires_sign_in).collect();
        assert_eq!(
            protected,
            vec![
                Page::Profile,
                Page::ChangePassword,
                Page::ChangeUsername,
                Page::Sessions,
                Page::Security,
                Page::Activity,
                Page::Users,
                Page::User { id: Some(42) },
                Page::User { id: Some(0) },
                Page::User { id: None },
                Page::Console,
                Page::ConsoleUser { id: Some(7) },
                Page::ConsoleUser { id: None },
                Page::Audit,
            ]
        );
    }

    #[test]
    fn every_page_names_itself_in_the_browser_tab() {
        for page in every_page() {
            assert!(!page.title().is_empty(), "{page:?}");
        }
        assert_eq!(Page::ForgotPassword.title(), "Reset your password");
        assert_eq!(Page::at("/no/such/page").title(), "Page not found");
    }

    #[test]
    fn the_console_is_a_bundle_of_its_own_whose_paths_are_under_its_folder() {
        let console: Vec<Page> = every_page().into_iter().filter(|page| page.bundle() == Bundle::Console).collect();
        assert_eq!(
            console,
            vec![Page::Console, Page::ConsoleUser { id: Some(7) }, Page::ConsoleUser { id: None }, Page::Audit]
        );
        // The server picks a bundle by the path's first segment: each page must be where its
        // bundle's folder says.
        for page in every_page() {
            let first = page.path().split('/').nth(1).unwrap_or_default().to_owned();
            match page.bundle().folder() {
                Some(folder) => assert_eq!(first, folder, "{page:?}"),
                None => assert_ne!(Some(first.as_str()), Bundle::Console.folder(), "{page:?}"),
            }
        }
        assert_eq!(Page::at("/console/").bundle(), Bundle::Console);
        assert_eq!(Page::at("/consoles").bundle(), Bundle::App);
    }

    #[test]
    fn a_trailing_slash_names_the_same_page() {
        assert_eq!(Page::at("/login/"), Page::SignIn);
        assert_eq!(Page::at("/users/7/"), Page::User { id: Some(7) });
    }

    #[test]
    fn unknown_and_incomplete_paths_are_not_found() {
        for path in [
            "/nope",
            "/activate",
            "/activate/MQ",
            "/activate/MQ/t/extra",
            "/password/reset/confirm/MQ",
            "/email/revert",
            "/email/revert/MQ",
            "/email/revert/MQ/t/extra",
            "/users/1/2",
            "/console/users",
            "/console/users/1/sessions",
            "/console/audit/1",
        ] {
            assert_eq!(Page::at(path), Page::NotFound, "{path}");
        }
        assert_eq!(Page::at("/users/abc"), Page::User { id: None });
    }

    const APP: &str = "http://127.0.0.1:8000";

    fn resolved(origin: &str, path: &str, query: &str, fragment: &str) -> Option<Resolved> {
        Some(Resolved { origin: origin.into(), path: path.into(), query: query.into(), fragment: fragment.into() })
    }

    #[test]
    fn a_page_of_this_app_is_followed_after_sign_in_with_its_query_and_fragment() {
        assert_eq!(safe_next(APP, resolved(APP, "/profile/password", "", "")), "/profile/password");
        assert_eq!(safe_next(APP, resolved(APP, "/users/3", "?tab=1", "#email")), "/users/3?tab=1#email");
    }

    #[test]
    fn another_site_or_scheme_leads_to_the_profile_page_after_sign_in() {
        // What the browser makes of `/\t/evil.example/x`, `/\evil.example`, `///evil.example`,
        // `https://evil.example/` and `javascript:alert(1)`.
        for next in [
            resolved("http://evil.example", "/x", "", ""),
            resolved("http://evil.example", "/", "", ""),
            resolved("https://evil.example", "/", "", ""),
            resolved("https://127.0.0.1:8000", "/users", "", ""),
            resolved("http://127.0.0.1:8001", "/users", "", ""),
            resolved("null", "alert(1)", "", ""),
        ] {
            assert_eq!(safe_next(APP, next.clone()), "/profile", "{next:?}");
        }
    }

    #[test]
    fn a_path_of_this_app_that_would_be_read_as_another_host_leads_to_the_profile_page() {
        // `/.//evil.example` resolves to this origin with the path `//evil.example`, which the
        // router would then navigate to as `http://evil.example`.
        assert_eq!(safe_next(APP, resolved(APP, "//evil.example", "", "")), "/profile");
        assert_eq!(safe_next(APP, resolved(APP, "//", "?x", "")), "/profile");
    }

    #[test]
    fn a_missing_or_unreadable_next_leads_to_the_profile_page() {
        assert_eq!(safe_next(APP, None), "/profile");
        assert_eq!(after_sign_in(None), "/profile");
    }

    #[test]
    fn the_way_back_keeps_the_pages_query_and_fragment() {
        assert_eq!(address("/users/3", "tab=1", "#email"), "/users/3?tab=1#email");
        assert_eq!(address("/users/3", "tab=1", ""), "/users/3?tab=1");
        assert_eq!(address("/profile", "", ""), "/profile");
        assert_eq!(address("/profile", "", "#"), "/profile");
        assert_eq!(
            sign_in_then(&address("/users/3", "tab=1", ""), None),
            "/login?next=/users/3%3Ftab%3D1",
            "the query is part of the way back, not of the sign-in page's address"
        );
    }

    #[test]
    fn a_page_with_a_query_keeps_it_after_a_question_mark() {
        assert_eq!(with_query(&Page::Audit, "user=4&page=2"), "/console/audit?user=4&page=2");
        assert_eq!(with_query(&Page::Console, ""), "/console");
    }

    #[test]
    fn the_sign_in_link_carries_the_way_back_and_the_notice() {
        assert_eq!(
            sign_in_then("/users/3?x=a b", Some(Notice::SessionExpired)),
            "/login?next=/users/3%3Fx%3Da%20b&notice=expired"
        );
        assert_eq!(sign_in_then("/profile", None), "/login?next=/profile");
    }
}
