//! The app's root: the router, the session, and the page the address names
//! ([`Page::at`](crate::routes::Page::at) is the route table; it also says which pages need a
//! signed-in person, and which bundle shows each page).
//!
//! The app is built twice: once with every page but the staff console's (the first load,
//! [`APP`]), and once with the console's pages alone (`pages::console::PAGES`). A move to a page
//! of the other bundle (a link, sign-in's way back, the guard's way to sign in) goes into the
//! address bar and the history as any other, and then the browser loads it: the server sends
//! that bundle, whose page confirms the session with the refresh cookie, as after a reload.

use leptos::prelude::*;
use leptos_router::components::Router;
use leptos_router::hooks::use_location;
use leptos_router::location::{BrowserUrl, LocationProvider};

use crate::api::Client;
use crate::components::{focus_by_id, Nav, RequireAuth};
use crate::pages::*;
use crate::routes::{Bundle, Page};

/// The pages one bundle shows: which bundle it is, and the view of each of its pages.
#[derive(Clone, Copy)]
pub struct Pages {
    pub bundle: Bundle,
    /// Called only with pages of `bundle`.
    pub view: fn(Page) -> AnyView,
}

/// The app's pages: every page but the staff console's.
pub const APP: Pages = Pages { bundle: Bundle::App, view: view_of };

/// The app with `pages`, talking to the API at `/auth/` on the server that serves it.
#[component]
pub fn App(pages: Pages) -> impl IntoView {
    view! {
        <Router>
            <Session client=browser_client() pages/>
        </Router>
    }
}

#[cfg(target_arch = "wasm32")]
fn browser_client() -> Client {
    Client::new(
        crate::api::transport::Fetch { base: "/auth/".into() },
        crate::api::BrowserClock,
        crate::session::STORAGE_KEY,
    )
}

#[cfg(not(target_arch = "wasm32"))]
fn browser_client() -> Client {
    unreachable!("the app only runs in a browser")
}

/// Everything inside the router: the session, the header and the pages of `pages`.
#[component]
pub fn Session(client: Client, pages: Pages) -> impl IntoView {
    crate::auth::provide(client);
    let location = use_location();
    // A new page is built when the path names another one; a changed query keeps it.
    let page = Memo::new(move |_| Page::at(&location.pathname.get()));
    // The path the browser loaded. A page of the other bundle there means that the server did
    // not send that bundle (`trunk serve` sends the app's for every path): it is not found,
    // rather than loaded again and again.
    let loaded = StoredValue::new(location.pathname.get_untracked());
    let loaded_here = move || location.pathname.with_untracked(|path| loaded.with_value(|loaded| path == loaded));
    // The router writes a followed link into the address bar and the history once the app
    // says the new path is shown (what `<Routes>` would say): after every change of path. A
    // page of the other bundle is written there too, as a link or a redirect asked, and then
    // the browser loads it.
    let browser = use_context::<BrowserUrl>();
    Effect::new(move |_| {
        let elsewhere = page.get().bundle() != pages.bundle && !loaded_here();
        if let Some(browser) = &browser {
            browser.ready_to_complete();
        }
        if elsewhere {
            load_from_address_bar();
        }
    });
    // Each page after the first takes the keyboard's focus, and a screen reader reads on from
    // it: the link or button that led there is gone, or behind in the header.
    Effect::new(move |before: Option<Page>| {
        let now = page.get();
        if before.is_some_and(|before| before != now) {
            focus_by_id("main");
        }
        now
    });
    view! {
        <a class="skip" href="#main" on:click=skip_to_content>"Skip to content"</a>
        <Nav/>
        <main id="main" class="page" tabindex="-1">
            {move || show(page.get(), pages, loaded_here())}
        </main>
    }
}

/// "Skip to content": focus moves to the page itself, so that the next Tab starts there. (The
/// router would otherwise take the link as a navigation, and only scroll.)
fn skip_to_content(event: leptos::ev::MouseEvent) {
    event.prevent_default();
    focus_by_id("main");
}

/// The view of one page, named in the browser's tab. A page the route table marks as needing
/// a signed-in person is shown through the guard, which sends a signed-out visitor to sign in.
fn show(page: Page, pages: Pages, loaded_here: bool) -> AnyView {
    if page.bundle() != pages.bundle {
        return if loaded_here {
            crate::pages::title(Page::NotFound.title());
            view! { <NotFoundPage/> }.into_any()
        } else {
            view! { <p class="loading" role="status">"Loading…"</p> }.into_any()
        };
    }
    crate::pages::title(page.title());
    if page.requires_sign_in() {
        let page = StoredValue::new(page);
        view! { <RequireAuth>{move || (pages.view)(page.get_value())}</RequireAuth> }.into_any()
    } else {
        (pages.view)(page)
    }
}

/// Has the browser load the page at the address it shows, once the router has written it
/// there: the router's own task, which `ready_to_complete` woke, runs before this timer.
#[cfg(target_arch = "wasm32")]
fn load_from_address_bar() {
    crate::task::spawn(async {
        gloo_timers::future::TimeoutFuture::new(0).await;
        let _ = window().location().reload();
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn load_from_address_bar() {}

/// A page of the app itself. Every page is built through this one function, so the router's
/// matching code is compiled once instead of once per route.
fn view_of(page: Page) -> AnyView {
    match page {
        Page::Home => view! { <HomePage/> }.into_any(),
        Page::SignUp => view! { <SignUpPage/> }.into_any(),
        Page::CheckEmail => view! { <CheckEmailPage/> }.into_any(),
        Page::ResendActivation => view! { <AskForLinkPage link=Emailed::Activation/> }.into_any(),
        Page::Activate { uid, token } => view! { <ActivatePage uid token/> }.into_any(),
        Page::SignIn => view! { <SignInPage/> }.into_any(),
        Page::Profile => view! { <ProfilePage/> }.into_any(),
        Page::ChangePassword => view! { <ChangePasswordPage/> }.into_any(),
        Page::ChangeUsername => view! { <ChangeUsernamePage/> }.into_any(),
        Page::Sessions => view! { <SessionsPage/> }.into_any(),
        Page::Security => view! { <SecurityPage/> }.into_any(),
        Page::Activity => view! { <ActivityPage/> }.into_any(),
        Page::ForgotPassword => view! { <AskForLinkPage link=Emailed::PasswordReset/> }.into_any(),
        Page::ResetPassword { uid, token } => view! { <ResetPasswordPage uid token/> }.into_any(),
        Page::ForgotUsername => view! { <AskForLinkPage link=Emailed::UsernameReset/> }.into_any(),
        Page::ResetUsername { uid, token } => view! { <ResetUsernamePage uid token/> }.into_any(),
        Page::RevertEmail { uid, token } => view! { <RevertEmailPage uid token/> }.into_any(),
        Page::Users => view! { <UsersPage/> }.into_any(),
        Page::User { id } => view! { <UserPage id/> }.into_any(),
        Page::ProviderCallback { provider } => view! { <ProviderCallbackPage provider/> }.into_any(),
        // The staff console's pages are a bundle of their own (`pages::console`); these are
        // never shown here.
        Page::Console | Page::ConsoleUser { .. } | Page::Audit | Page::NotFound => view! { <NotFoundPage/> }.into_any(),
    }
}
