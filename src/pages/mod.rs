//! The pages, by flow. `app.rs` picks one for the address and names it in the tab ([`title`]).
//! The staff console's pages (`console/`) are a bundle of their own ([`console::PAGES`]).

mod account;
mod activation;
mod activity;
mod ask_for_link;
pub mod console;
mod email_revert;
mod home;
pub(crate) mod providers;
mod resets;
pub(crate) mod security;
mod sessions;
mod sign_in;
mod sign_up;
mod users;

pub use account::{ChangePasswordPage, ChangeUsernamePage, ProfilePage};
pub use activation::{ActivatePage, CheckEmailPage};
pub use activity::ActivityPage;
pub use ask_for_link::{AskForLinkPage, Emailed};
pub use email_revert::RevertEmailPage;
pub use home::{HomePage, NotFoundPage};
pub use providers::ProviderCallbackPage;
pub use resets::{ResetPasswordPage, ResetUsernamePage};
pub use security::SecurityPage;
pub use sessions::SessionsPage;
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;
pub use users::{UserPage, UsersPage};

/// Names the page in the browser's tab and history.
pub(crate) fn title(text: &str) {
    #[cfg(target_arch = "wasm32")]
    leptos::prelude::document().set_title(&format!("{text} · Gatehouse"));
    #[cfg(not(target_arch = "wasm32"))]
    let _ = text;
}
