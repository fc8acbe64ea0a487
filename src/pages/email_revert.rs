//! The page the link sent to an old e-mail address opens: it takes the change of address back.
//! Nothing is sent until the person presses the button, since mail scanners open links too.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::ApiError;
use crate::auth::use_api;
use crate::components::{Alert, FormState, Notices, Submit};
use crate::routes::Page;
use crate::task::Sending;

/// What taking the change back did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Restored,
    /// The server refused the link itself: used, expired, or not one it made.
    BadLink,
}

/// Whether the server refused the link rather than failing otherwise.
fn link_refused(error: &ApiError) -> bool {
    !error.field("uid").is_empty() || !error.field("token").is_empty()
}

const RESTORED: &str = "Your old e-mail address is back, and your account was signed out on every device.";
const ADVICE: &str =
    "If you did not change the address yourself, someone may know your password: reset it before you sign in.";
const BAD_LINK: &str =
    "This link is invalid or was already used. Each link takes a change back only once, for a limited time.";

/// The page a link of an "e-mail address changed" message opens, with the link's `uid` and
/// `token`.
#[component]
pub fn RevertEmailPage(uid: String, token: String) -> impl IntoView {
    let api = use_api();
    let form = FormState::new(&["uid", "token"]);
    let outcome = RwSignal::new(None::<Outcome>);
    let sending = Sending::new();
    let link = StoredValue::new((uid, token));
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        form.clear();
        let (uid, token) = link.get_value();
        sending.start(async move {
            match api.get().revert_email(&uid, &token).await {
                Ok(()) => outcome.set(Some(Outcome::Restored)),
                Err(error) if link_refused(&error) => outcome.set(Some(Outcome::BadLink)),
                Err(error) => form.fail(error),
            }
        })
    };
    let restored = Signal::derive(move || match outcome.get() {
        Some(Outcome::Restored) => vec![RESTORED.to_owned(), ADVICE.to_owned()],
        _ => Vec::new(),
    });
    let problems = Signal::derive(move || match outcome.get() {
        Some(Outcome::BadLink) => vec![BAD_LINK.to_owned()],
        _ => form.general().get(),
    });
    view! {
        <section class="card narrow">
            <h1>"Take back the e-mail change"</h1>
            <Alert messages=problems/>
            <Notices messages=restored/>
            {move || match outcome.get() {
                None => view! {
                    <p class="lead">
                        "This puts back the e-mail address your account had before the change and signs the account out on every device."
                    </p>
                    <form on:submit=on_submit novalidate>
                        <Submit label="Take back the change" busy="Taking back…" pending=sending.pending()/>
                    </form>
                }
                .into_any(),
                Some(Outcome::Restored) => view! {
                    <ul class="links-list">
                        <li><A href=Page::ForgotPassword.path() attr:class="button-link">"Forgot your password?"</A></li>
                        <li><A href=Page::SignIn.path()>"Sign in"</A></li>
                    </ul>
                }
                .into_any(),
                Some(Outcome::BadLink) => view! {
                    <p><A href=Page::SignIn.path() attr:class="button-link">"Sign in"</A></p>
                }
                .into_any(),
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_links_own_errors_count_as_a_bad_link() {
        let field = |name: &str, message: &str| ApiError::Invalid {
            fields: vec![(name.to_owned(), vec![message.to_owned()])],
            general: Vec::new(),
        };
        assert!(link_refused(&field("token", "Invalid token for given user.")));
        assert!(link_refused(&field("uid", "Invalid user id or user doesn't exist.")));
        assert!(!link_refused(&ApiError::Network("offline".into())));
        assert!(!link_refused(&ApiError::Unexpected(500)));
        assert!(!link_refused(&field("non_field_errors", "Something else.")));
    }
}
