//! The app's root and its only route table.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::api::Client;
use crate::components::Nav;
use crate::pages::*;

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
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <Nav/>
        <main id="main" class="page" tabindex="-1">
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=HomePage/>
                <Route path=path!("/signup") view=SignUpPage/>
                <Route path=path!("/signup/check-email") view=CheckEmailPage/>
                <Route path=path!("/activate/resend") view=ResendActivationPage/>
                <Route path=path!("/activate/:uid/:token") view=ActivatePage/>
                <Route path=path!("/login") view=SignInPage/>
                <Route path=path!("/profile") view=ProfilePage/>
                <Route path=path!("/profile/password") view=ChangePasswordPage/>
                <Route path=path!("/profile/username") view=ChangeUsernamePage/>
                <Route path=path!("/password/reset") view=ForgotPasswordPage/>
                <Route path=path!("/password/reset/confirm/:uid/:token") view=ResetPasswordPage/>
                <Route path=path!("/username/reset") view=ForgotUsernamePage/>
                <Route path=path!("/username/reset/confirm/:uid/:token") view=ResetUsernamePage/>
                <Route path=path!("/users") view=UsersPage/>
                <Route path=path!("/users/:id") view=UserPage/>
            </Routes>
        </main>
    }
}
