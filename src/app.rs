//! The app's root: the router, the session, and the page the address names
//! ([`Page::at`](crate::routes::Page::at) is the route table; it also says which pages need a
//! signed-in person).

use leptos::prelude::*;
use leptos_router::components::Router;
use leptos_router::hooks::use_location;
use leptos_router::location::{BrowserUrl, LocationProvider};

use crate::api::Client;
use crate::components::{Nav, RequireAuth};
use crate::pages::*;
use crate::routes::Page;

/// The app, talking to the API at `/auth/` on the server that serves it.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <Session client=browser_client()/>
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

/// Everything inside the router: the session, the header and the pages.
#[component]
pub fn Session(client: Client) -> impl IntoView {
    crate::auth::provide(client);
    let location = use_location();
    // A new page is built when the path names another one; a changed query keeps it.
    let page = Memo::new(move |_| Page::at(&location.pathname.get()));
    // The router writes a followed link into the address bar and the history once the app
    // says the new path is shown (what `<Routes>` would say): after every change of path.
    let browser = use_context::<BrowserUrl>();
    Effect::new(move |_| {
        location.pathname.track();
        if let Some(browser) = &browser {
            browser.ready_to_complete();
        }
    });
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <Nav/>
        <main id="main" class="page" tabindex="-1">
            {move || show(page.get())}
        </main>
    }
}

/// The view of one page, named in the browser's tab. A page the route table marks as needing
/// a signed-in person is shown through the guard, which sends a signed-out visitor to sign in.
fn show(page: Page) -> AnyView {
    crate::pages::title(page.title());
    if page.requires_sign_in() {
        let page = StoredValue::new(page);
        view! { <RequireAuth>{move || view_of(page.get_value())}</RequireAuth> }.into_any()
    } else {
        view_of(page)
    }
}

/// The page itself. Every page is built through this one function, so the router's matching
/// code is compiled once instead of once per route.
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
        Page::Console => view! { <ConsolePage/> }.into_any(),
        Page::ConsoleUser { id } => view! { <ConsoleUserPage id/> }.into_any(),
        Page::Audit => view! { <AuditPage/> }.into_any(),
        Page::ProviderCallback { provider } => view! { <ProviderCallbackPage provider/> }.into_any(),
        Page::NotFound => view! { <NotFoundPage/> }.into_any(),
    }
}
